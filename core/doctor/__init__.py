"""``catdog doctor``: what this machine offers the app, and why a GPU is not used, with the fix."""
