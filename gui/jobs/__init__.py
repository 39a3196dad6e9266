"""Core's long jobs on worker threads, reporting back to the window as Qt signals.

base: the Job base (queue-drained QThread adapter), its registry of live jobs and ``shutdown()``;
train, predict, estimate, evaluate: one kind of job each (pages keep their own small jobs beside them).
"""
