"""Explore page: an architecture's stages, or two side by side."""
