"""Grad-CAM: where in a photo a model looked, for every architecture in the registry and any added later."""
