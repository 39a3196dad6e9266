"""A trained run as a file that runs without this app: ONNX or TorchScript, plus its preprocessing.

The exported network takes what ``catdog predict`` feeds its model (float32 NCHW RGB at the
run's image size, scaled to [0, 1] and normalised with the run's mean and std) and returns
class probabilities (softmax included), batch size free. The preprocessing (resize, centre
crop, mean, std, class names) goes into the ONNX metadata or the TorchScript file's extra
files, and into a JSON file beside it, so another program can reproduce the app's numbers.

Adaptive average pools whose output is not global (LeNet's 16x16 grid, the notes' 4x4, VGG's
7x7) are replaced, for the export only, by the same averages written as two small matrix
products for the run's fixed input size: the ONNX exporter cannot express them otherwise.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from core.errors import InputError
from core.export.formats import FORMATS
from core.utils.atomic import atomic_path, write_target, write_text_atomic

SUFFIX = {"onnx": ".onnx", "torchscript": ".pt"}
INPUT_NAME, OUTPUT_NAME = "image", "probabilities"
OPSET = 17
PREPROCESSING_FILE = "preprocessing.json"  # its name inside a TorchScript file


@dataclass
class ExportResult:
    path: Path  # the model file
    json_path: Path  # the preprocessing beside it
    fmt: str
    preprocessing: dict

    def how_to_use(self) -> str:
        return how_to_use(self.path, self.json_path, self.fmt)


def _pool_matrix(n_in: int, n_out: int) -> torch.Tensor:
    """(n_out, n_in): row i averages inputs floor(i*n_in/n_out) .. ceil((i+1)*n_in/n_out), as PyTorch does."""
    m = torch.zeros(n_out, n_in)
    for i in range(n_out):
        start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        m[i, start:end] = 1.0 / (end - start)
    return m


class FixedAdaptiveAvgPool2d(nn.Module):
    """AdaptiveAvgPool2d for one known input size: rows @ x @ cols, which every exporter understands."""

    def __init__(self, in_hw: tuple[int, int], out_hw: tuple[int, int]) -> None:
        super().__init__()
        self.register_buffer("rows", _pool_matrix(in_hw[0], out_hw[0]))
        self.register_buffer("cols", _pool_matrix(in_hw[1], out_hw[1]).t().contiguous())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.matmul(torch.matmul(self.rows, x), self.cols)


def fix_adaptive_pools(model: nn.Module, example: torch.Tensor) -> int:
    """Swap every non-global AdaptiveAvgPool2d for its fixed-size twin; returns how many were swapped."""
    seen: dict[str, tuple[int, int]] = {}

    def remember(name: str):
        def hook(module, inputs, output) -> None:  # returns None: the output is left alone
            seen.setdefault(name, tuple(inputs[0].shape[-2:]))
        return hook

    hooks = [m.register_forward_hook(remember(name)) for name, m in model.named_modules()
             if isinstance(m, nn.AdaptiveAvgPool2d)]
    with torch.no_grad():
        model(example)
    for h in hooks:
        h.remove()
    swapped = 0
    for name, in_hw in seen.items():
        pool = model.get_submodule(name)
        out = pool.output_size if isinstance(pool.output_size, tuple) else (pool.output_size,) * 2
        out_hw = tuple(i if o is None else o for o, i in zip(out, in_hw))
        if out_hw == (1, 1):
            continue  # global pooling exports as GlobalAveragePool
        parent, _, leaf = name.rpartition(".")
        setattr(model.get_submodule(parent) if parent else model, leaf, FixedAdaptiveAvgPool2d(in_hw, out_hw))
        swapped += 1
    return swapped


class WithSoftmax(nn.Module):
    """The run's network followed by softmax: the exported file returns probabilities."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(image).float(), dim=1)


def preprocessing(lm) -> dict:
    """What a photo must go through before the exported network sees it (the app's own steps)."""
    return {
        "arch": lm.meta["arch"],
        "classes": lm.classes,
        "image_size": lm.image_size,
        "resize": lm.side,
        "mean": list(lm.mean),
        "std": list(lm.std),
        "input": {"name": INPUT_NAME, "layout": "NCHW", "dtype": "float32", "channels": "RGB",
                  "shape": ["batch", 3, lm.image_size, lm.image_size]},
        "output": {"name": OUTPUT_NAME, "meaning": "class probabilities (softmax applied), in the order of classes"},
        "steps": [
            "open the photo, apply its EXIF rotation, convert to RGB (transparent pixels over white)",
            ("resize the whole photo to resize x resize pixels (bilinear; JPEGs may first be decoded at a reduced "
             "size with PIL's draft mode, as the app does)"),
            "crop the central image_size x image_size square (top = left = round((resize - image_size) / 2))",
            "scale to [0, 1], subtract mean and divide by std per channel, lay out as 1 x 3 x H x W",
        ],
        "source_run": str(lm.run_dir),
    }


def default_path(lm, fmt: str) -> Path:
    """Beside the weights in the run folder (model.onnx / model.pt); in the current folder for imagenet:ARCH."""
    run_dir = Path(lm.run_dir)
    if run_dir.is_dir():
        return run_dir / f"model{SUFFIX[fmt]}"
    return Path(f"{str(run_dir).replace(':', '-')}{SUFFIX[fmt]}")


def json_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def check_target(out: str | Path | None, fmt: str, lm) -> Path:
    """The file to write: any other name gets the format's suffix (so never a run's own file); never a folder."""
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
    if out is None:
        return default_path(lm, fmt)
    if not str(out).strip():
        raise InputError("--out: empty file name")
    path = Path(out).expanduser()
    if path.is_dir():
        raise InputError(f"--out {out}: is a folder; give a file name such as model{SUFFIX[fmt]}")
    if path.suffix.lower() not in (".onnx", ".pt", ".pth", ".ts", ".torchscript"):
        path = path.with_name(path.name + SUFFIX[fmt])
    target = write_target(path)  # a model suffix is always added: the run's own files are never replaced
    if target.parent.exists() and not target.parent.is_dir():
        raise InputError(f"--out {out}: {target.parent} is not a folder")
    return path


def exportable(lm) -> tuple[nn.Module, torch.Tensor]:
    """A float32 CPU copy of the run's network with softmax, ready to trace, and an example input."""
    model = lm.model.to("cpu", memory_format=torch.contiguous_format).float().eval()
    example = torch.zeros(1, 3, lm.image_size, lm.image_size)
    fix_adaptive_pools(model, example)
    return WithSoftmax(model).eval(), example


def _export_onnx(module: nn.Module, example: torch.Tensor, path: Path, pre: dict) -> None:
    try:
        import onnx
    except ImportError:
        raise InputError("ONNX export needs the onnx package: pip install onnx (or use --format torchscript)") from None
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter announces its deprecation
        torch.onnx.export(module, (example,), buf, dynamo=False, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                          dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}}, opset_version=OPSET)
    proto = onnx.load_from_string(buf.getvalue())
    fields = {"catdog.preprocessing": json.dumps(pre), "classes": json.dumps(pre["classes"]),
              "image_size": str(pre["image_size"]), "resize": str(pre["resize"]),
              "mean": json.dumps(pre["mean"]), "std": json.dumps(pre["std"])}
    for key, value in fields.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "CatDog Studio"
    with atomic_path(path) as tmp:
        tmp.write_bytes(proto.SerializeToString())


def _export_torchscript(module: nn.Module, example: torch.Tensor, path: Path, pre: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit is deprecated in favour of torch.export, yet still loads everywhere
        with torch.no_grad():
            traced = torch.jit.trace(module, example, check_trace=False)
        with atomic_path(path) as tmp:
            torch.jit.save(traced, str(tmp), _extra_files={PREPROCESSING_FILE: json.dumps(pre)})


def export_model(model_ref: str | Path, fmt: str, out: str | Path | None = None) -> ExportResult:
    """Load a run (or ``imagenet:ARCH``) on the CPU in float32 and write the file and its JSON."""
    from core.inference.predict import load_run

    if fmt not in FORMATS:
        raise InputError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
    lm = load_run(model_ref, device="cpu", precision="fp32")
    path = check_target(out, fmt, lm)
    pre = preprocessing(lm)
    module, example = exportable(lm)
    pre["format"] = fmt
    pre["model_file"] = path.name
    try:
        (_export_onnx if fmt == "onnx" else _export_torchscript)(module, example, path, pre)
        json_path = json_path_for(path)
        write_text_atomic(json_path, json.dumps(pre, indent=2) + "\n")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return ExportResult(path, json_path, fmt, pre)


def how_to_use(path: Path, json_path: Path, fmt: str) -> str:
    """A short runnable Python snippet: the app's preprocessing with PIL and NumPy, then the model."""
    if fmt == "onnx":
        need, run = "pip install onnxruntime pillow numpy", (
            f'import onnxruntime\nsession = onnxruntime.InferenceSession("{path}")\n'
            f'probs = session.run(None, {{"{INPUT_NAME}": load("photo.jpg")}})[0][0]')
    else:
        need, run = "pip install torch pillow numpy", (
            f'import torch\nmodel = torch.jit.load("{path}")\n'
            'with torch.no_grad():\n    probs = model(torch.from_numpy(load("photo.jpg")))[0].numpy()')
    return f"""# {need}
import json
import numpy as np
from PIL import Image, ImageOps

pre = json.load(open("{json_path}"))
side, size = pre["resize"], pre["image_size"]

def load(photo):
    im = Image.open(photo)
    im.draft("RGB", (side, side))  # JPEG: decode at reduced size, as the app does
    im = ImageOps.exif_transpose(im).convert("RGB").resize((side, side), Image.BILINEAR)
    top = round((side - size) / 2)
    x = np.asarray(im, np.float32)[top:top + size, top:top + size] / 255
    x = (x - np.float32(pre["mean"])) / np.float32(pre["std"])
    return x.transpose(2, 0, 1)[None].astype(np.float32)

{run}
print(pre["classes"][probs.argmax()], probs.max())
"""
