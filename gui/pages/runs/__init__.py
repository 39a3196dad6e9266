"""Runs page: every run folder, its actions, experiments and the curves compared."""
