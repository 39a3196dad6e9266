"""Look inside an architecture: its stages, shapes, parameters and FLOPs."""
