"""Widgets several pages share: images, the photo viewer, the drop zone, plots, the Grad-CAM view."""
