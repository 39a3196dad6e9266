"""Data page: the training folder and what was found in it."""
