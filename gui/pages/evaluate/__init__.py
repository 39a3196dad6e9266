"""Evaluate page: accuracy, the confusion matrix, the worst photos, Grad-CAM."""
