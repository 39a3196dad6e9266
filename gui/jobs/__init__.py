"""Core's long jobs on worker threads, reporting back to the window as Qt signals."""
