"""A trained run as a file that runs without this app: ONNX, a torch.export .pt2 or TorchScript, plus its
preprocessing.

The exported network takes what ``catdog predict`` feeds its model (float32 NCHW RGB at the
run's image size, scaled to [0, 1] and normalised with the run's mean and std) and returns
calibrated class probabilities (the run's temperature and softmax included), batch size free. The preprocessing (resize, centre
crop, mean, std, class names) goes into the ONNX metadata or the .pt2 / TorchScript file's extra
files, and into a JSON file beside it, so another program can reproduce the app's numbers.

Adaptive average pools whose output is not global (LeNet's 16x16 grid, the notes' 4x4, VGG's
7x7) are replaced, for the export only, by the same averages written as two small matrix
products for the run's fixed input size: the ONNX exporter cannot express them otherwise.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from core.errors import InputError
from core.export.formats import FORMATS, MODEL_SUFFIXES, SUFFIX
from core.export.writers import INPUT_NAME, OUTPUT_NAME, WRITERS
from core.utils.atomic import atomic_path, check_write_target, user_file_errors


@dataclass
class ExportResult:
    path: Path  # the model file
    json_path: Path  # the preprocessing beside it
    fmt: str
    preprocessing: dict
    notes: list[str] = field(default_factory=list)  # one line each: the exporter that fell back, a deprecation

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
    """The run's network, its logits divided by its temperature, then softmax: the file returns what
    ``catdog predict`` returns (calibrated probabilities)."""

    def __init__(self, model: nn.Module, temperature: float = 1.0) -> None:
        super().__init__()
        self.model = model
        self.temperature = float(temperature)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(image).float() / self.temperature, dim=1)


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
        "output": {"name": OUTPUT_NAME, "meaning": "calibrated class probabilities (softmax of the logits divided by "
                                                   "temperature), in the order of classes"},
        "temperature": lm.temperature,
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
    """Beside the weights in the run folder (model.onnx / model.pt2 / model.pt); in the current folder for imagenet:ARCH."""
    run_dir = Path(lm.run_dir)
    if run_dir.is_dir():
        return run_dir / f"model{SUFFIX[fmt]}"
    return Path(f"{str(run_dir).replace(':', '-')}{SUFFIX[fmt]}")


def json_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def check_target(out: str | Path | None, fmt: str, lm, force: bool = False) -> Path:
    """The file to write: ``--out`` exactly as the user named it (no suffix added), else model.onnx / model.pt
    beside the weights (model.pt2 for pt2). Never a folder, device, FIFO or socket, never one of the run's own files (the
    JSON beside included), and over an existing file that is not a model file only with ``force``."""
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
    run_dir = Path(lm.run_dir)
    own = [p for p in run_dir.iterdir() if p.is_file() and not _is_export(p)] if run_dir.is_dir() else []
    suffixes = (SUFFIX[fmt], *(s for s in MODEL_SUFFIXES if s != SUFFIX[fmt]))
    path = default_path(lm, fmt) if out is None else Path(out).expanduser()
    check_write_target(path if out is None else out, own, force, "" if out is None else "--out", suffixes,
                       "a model file (" + ", ".join(suffixes) + ")")
    check_write_target(json_path_for(path), own, True, "", (".json",))  # the JSON beside it
    return path


def _is_export(path: Path) -> bool:
    """A file an earlier export wrote (model.onnx, model.onnx.json): replaceable, unlike the run's own files."""
    return path.name.lower().removesuffix(".json").endswith(MODEL_SUFFIXES)


def exportable(lm) -> tuple[nn.Module, torch.Tensor]:
    """A float32 CPU copy of the run's network with its temperature and softmax, ready to trace, and an example input."""
    model = lm.model.to("cpu", memory_format=torch.contiguous_format).float().eval()
    example = torch.zeros(1, 3, lm.image_size, lm.image_size)
    fix_adaptive_pools(model, example)
    return WithSoftmax(model, lm.temperature).eval(), example


def export_model(model_ref: str | Path, fmt: str, out: str | Path | None = None, force: bool = False) -> ExportResult:
    """Load a run (or ``imagenet:ARCH``) on the CPU in float32 and write the file and its JSON.

    The model is exported in memory first: an exporter's error (a C++ c10::Error included) is one line
    naming the run, and nothing is written; the files are then written atomically (no temp file left).
    """
    from core.inference.predict import load_run

    if fmt not in FORMATS:
        raise InputError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
    lm = load_run(model_ref, device="cpu", precision="fp32")
    path = check_target(out, fmt, lm, force)
    pre = preprocessing(lm)
    pre["format"] = fmt
    pre["model_file"] = path.name
    try:
        module, example = exportable(lm)
        notes: list[str] = []
        blob = WRITERS[fmt](module, example, pre, notes)
    except (RuntimeError, ValueError) as exc:  # c10::Error and the ONNX exporter's errors are RuntimeErrors
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot export {lm.run_dir} as {fmt}: {first}") from None
    json_path = json_path_for(path)
    with user_file_errors(path, "--out" if out is not None else ""):  # both written before either is renamed
        with atomic_path(path) as model_tmp, atomic_path(json_path) as json_tmp:
            model_tmp.write_bytes(blob)
            with open(model_tmp, "rb+") as f:  # on disk now: a full disk fails here, before the JSON is renamed
                os.fsync(f.fileno())
            json_tmp.write_text(json.dumps(pre, indent=2) + "\n", encoding="utf-8")
    return ExportResult(path, json_path, fmt, pre, notes)


def how_to_use(path: Path, json_path: Path, fmt: str) -> str:
    """A short runnable Python snippet: the app's preprocessing with PIL and NumPy, then the model."""
    if fmt == "onnx":
        need, run = "pip install onnxruntime pillow numpy", (
            f'import onnxruntime\nsession = onnxruntime.InferenceSession("{path}")\n'
            f'probs = session.run(None, {{"{INPUT_NAME}": load("photo.jpg")}})[0][0]')
    elif fmt == "pt2":
        need, run = "pip install torch pillow numpy", (
            f'import torch\nmodel = torch.export.load("{path}").module()\n'
            'with torch.no_grad():\n    probs = model(torch.from_numpy(load("photo.jpg")))[0].numpy()')
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
