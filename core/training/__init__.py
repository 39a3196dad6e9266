"""The Qt-free training engine: config, events, hardware choice and the loop."""
