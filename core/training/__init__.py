"""The Qt-free training engine: a run's config, its data, the loop and its events, checkpoints through a recorder,
several processes (torchrun), speed benchmarks and the course's experiments. Device and precision come from
:mod:`core.hardware`; the run folder's format from :mod:`core.runs`."""
