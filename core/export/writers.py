"""One exporter per format, each turning the exportable network into the bytes of its file.

Everything is built in memory: PyTorch's zip writer onto a full disk throws a c10::Error from a
destructor, which aborts the process where no ``except`` can catch it; model_file then writes the
bytes atomically. ONNX and pt2 go through PyTorch's maintained exporters (``torch.export`` and
``torch.onnx.export(dynamo=True)``); the TorchScript-based ONNX exporter is only a fallback, and
says so. The batch axis is left free: the traced example has two photos, since PyTorch fixes an
axis of size 1 to a constant.
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Callable

import torch
from torch import nn

from core.errors import InputError

INPUT_NAME, OUTPUT_NAME = "image", "probabilities"
LEGACY_OPSET = 17  # the TorchScript-based exporter's fallback
PREPROCESSING_FILE = "preprocessing.json"  # its name inside a TorchScript or .pt2 file


def _batch_of_two(example: torch.Tensor) -> tuple[torch.Tensor, dict]:
    batch = torch.export.Dim("batch")
    return example[:1].repeat(2, 1, 1, 1), {INPUT_NAME: {0: batch}}


def _dynamo_onnx(module: nn.Module, example: torch.Tensor):
    two, shapes = _batch_of_two(example)
    program = torch.onnx.export(module, (two,), dynamo=True, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                                dynamic_shapes=shapes, verbose=False)
    return program.model_proto


def _legacy_onnx(module: nn.Module, example: torch.Tensor):
    import onnx

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter announces its deprecation
        torch.onnx.export(module, (example,), buf, dynamo=False, input_names=[INPUT_NAME],
                          output_names=[OUTPUT_NAME], dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                          opset_version=LEGACY_OPSET)
    return onnx.load_from_string(buf.getvalue())


def onnx_bytes(module: nn.Module, example: torch.Tensor, pre: dict, notes: list[str]) -> bytes:
    """torch.onnx.export(dynamo=True); the old exporter only if that fails, with a note saying why."""
    try:
        import onnx  # noqa: F401 - both exporters need it
        import onnxscript  # noqa: F401 - the dynamo exporter needs it
    except ImportError as exc:
        raise InputError(f"ONNX export needs the {exc.name} package: pip install onnx onnxscript "
                         "(or use --format pt2)") from None
    try:
        proto = _dynamo_onnx(module, example)
    except Exception as exc:  # noqa: BLE001 - any failure of the new exporter: the old one may still work
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        notes.append(f"note: torch.onnx.export(dynamo=True) failed ({reason}); "
                     f"used the older TorchScript-based exporter (opset {LEGACY_OPSET})")
        proto = _legacy_onnx(module, example)
    fields = {"catdog.preprocessing": json.dumps(pre), "classes": json.dumps(pre["classes"]),
              "image_size": str(pre["image_size"]), "resize": str(pre["resize"]),
              "mean": json.dumps(pre["mean"]), "std": json.dumps(pre["std"])}
    for key, value in fields.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "CatDog Studio"
    return proto.SerializeToString()


def pt2_bytes(module: nn.Module, example: torch.Tensor, pre: dict, notes: list[str]) -> bytes:
    """A torch.export ExportedProgram; ``torch.export.load(path).module()`` runs it without this app."""
    two, shapes = _batch_of_two(example)
    with torch.no_grad():
        program = torch.export.export(module, (two,), dynamic_shapes=shapes)
    buf = io.BytesIO()
    torch.export.save(program, buf, extra_files={PREPROCESSING_FILE: json.dumps(pre)})
    return buf.getvalue()


def torchscript_bytes(module: nn.Module, example: torch.Tensor, pre: dict, notes: list[str]) -> bytes:
    from core.export.formats import TORCHSCRIPT_NOTE

    notes.append(TORCHSCRIPT_NOTE)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit is deprecated in favour of torch.export, yet still loads everywhere
        with torch.no_grad():
            traced = torch.jit.trace(module, example, check_trace=False)
        torch.jit.save(traced, buf, _extra_files={PREPROCESSING_FILE: json.dumps(pre)})
    return buf.getvalue()


WRITERS: dict[str, Callable[[nn.Module, torch.Tensor, dict, list[str]], bytes]] = {
    "onnx": onnx_bytes, "pt2": pt2_bytes, "torchscript": torchscript_bytes}
