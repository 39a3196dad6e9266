"""The file formats ``catdog export`` writes; torch-free, so building the command line stays instant."""

FORMATS = ("onnx", "torchscript")
MODEL_SUFFIXES = (".onnx", ".pt", ".pth", ".ts", ".torchscript")  # an existing file so named is replaced without --force
