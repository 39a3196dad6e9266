"""The file formats ``catdog export`` writes; torch-free, so building the command line stays instant.

One home for each format's suffix and label: the command line, core/export and the window's
Export model dialog read them here.
"""

FORMATS = ("onnx", "pt2", "torchscript")
SUFFIX = {"onnx": ".onnx", "pt2": ".pt2", "torchscript": ".pt"}
LABEL = {"onnx": "ONNX (onnxruntime, any language)",
         "pt2": "PyTorch ExportedProgram (torch.export.load)",
         "torchscript": "TorchScript (torch.jit.load; deprecated by PyTorch)"}
# an existing file so named is replaced without --force
MODEL_SUFFIXES = (".onnx", ".pt2", ".pt", ".pth", ".ts", ".torchscript")
TORCHSCRIPT_NOTE = ("note: TorchScript is deprecated by PyTorch; --format pt2 (torch.export) or onnx are the "
                    "maintained formats")
