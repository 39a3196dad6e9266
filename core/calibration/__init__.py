"""Calibrated probabilities: one temperature per run, fitted on its validation photos, and the CSV's clip."""
