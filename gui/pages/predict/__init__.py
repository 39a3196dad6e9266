"""Predict page: classify photos, read the table, write the submission CSV."""
