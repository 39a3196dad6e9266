"""The file formats ``catdog export`` writes; torch-free, so building the command line stays instant."""

FORMATS = ("onnx", "torchscript")
