"""A trained run as a file that runs without this app (ONNX, TorchScript)."""
