"""``catdog export``: ONNX and TorchScript files give catdog predict's probabilities, with no app needed.

Runs are written directly (random weights, a sharpened head so that probabilities are far
from uniform) to keep the test fast; scripts/check_exports.py covers every architecture.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from conftest import write_folders
from torch import nn

from core.cli.parser import main as cli_main
from core.data.augment import cache_side, eval_batch, to_model_input
from core.data.decode import decode_square
from core.export import writers
from core.export.model_file import FixedAdaptiveAvgPool2d, export_model
from core.inference.predict import load_run, predict_files
from core.models.registry import build_model, get_arch
from core.runs import store
from core.runs.meta import write_meta

# its module-scoped fixture is built once: every test of this file runs in one xdist worker
pytestmark = pytest.mark.xdist_group(__name__)

CLASSES = ["apple", "banana", "cherry"]
SIZE = 32


def make_run(root, arch: str, classes=CLASSES, size: int = SIZE, seed: int = 0):
    """A run folder as training leaves it, with random weights whose head gives confident answers."""
    torch.manual_seed(seed)
    model = build_model(arch, len(classes))
    with torch.no_grad():
        [m for m in model.modules() if isinstance(m, nn.Linear)][-1].weight.mul_(30)  # the last layer
    run = root / f"{arch}-run"
    run.mkdir(parents=True)
    store.save_model(run, model)
    spec = get_arch(arch)
    write_meta(run, {"arch": arch, "classes": list(classes), "num_classes": len(classes), "image_size": size,
                          "resize": cache_side(size), "status": "finished",
                          "normalization": {"mean": list(spec.mean), "std": list(spec.std)}})
    return run


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    root = write_folders(tmp_path_factory.mktemp("photos"), 3, names=("a", "b"), size=56)
    return sorted(root.rglob("*.png"))


def predicted(run, photos) -> np.ndarray:
    """What catdog predict computes (float32 on the CPU)."""
    preds, failures = predict_files(load_run(run, device="cpu", precision="fp32"), photos)
    assert not failures
    return np.array([p.probs for p in preds])


def app_input(photos, size=SIZE, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)) -> torch.Tensor:
    pixels = torch.from_numpy(np.stack([decode_square(p, cache_side(size)) for p in photos]))
    return to_model_input(eval_batch(pixels, size), torch.device("cpu"), False, mean, std)


@pytest.mark.parametrize("arch", ["residual_mini", "lenet", "resnet18", "efficientnet_lite0"])
def test_onnx_gives_predicts_probabilities(tmp_path, photos, arch):
    run = make_run(tmp_path, arch)
    result = export_model(run, "onnx")
    assert result.path == run / "model.onnx" and result.json_path.is_file()
    spec = get_arch(arch)
    x = app_input(photos, mean=spec.mean, std=spec.std).numpy()
    import onnx  # here, not at the top: only the worker that runs this file pays for the import (~1 s)
    import onnxruntime

    session = onnxruntime.InferenceSession(str(result.path))
    got = session.run(None, {"image": x})[0]  # the whole batch at once: the batch axis is free
    want = predicted(run, photos)
    assert got.shape == (len(photos), 3)
    assert np.ptp(want, axis=0).max() > 0.05  # photos get different answers: the comparison can fail
    np.testing.assert_allclose(got, want, atol=1e-4)
    meta = {p.key: p.value for p in onnx.load(str(result.path)).metadata_props}
    assert json.loads(meta["classes"]) == CLASSES and meta["image_size"] == str(SIZE)
    assert json.loads(meta["catdog.preprocessing"])["resize"] == cache_side(SIZE)


@pytest.mark.parametrize("arch", ["residual_mini", "resnet18"])  # EfficientNet: scripts/check_exports.py
def test_torchscript_gives_predicts_probabilities(tmp_path, photos, arch):
    run = make_run(tmp_path, arch)
    result = export_model(run, "torchscript", tmp_path / "out" / "mine")
    assert result.path == tmp_path / "out" / "mine"  # the user's name, as given
    extra = {"preprocessing.json": ""}
    loaded = torch.jit.load(str(result.path), _extra_files=extra)
    assert json.loads(extra["preprocessing.json"])["classes"] == CLASSES
    spec = get_arch(arch)
    with torch.no_grad():
        got = loaded(app_input(photos, mean=spec.mean, std=spec.std)).numpy()
    np.testing.assert_allclose(got, predicted(run, photos), atol=1e-4)


@pytest.mark.parametrize("arch", ["residual_mini", "lenet"])  # every architecture: scripts/check_exports.py
def test_pt2_gives_predicts_probabilities_with_torch_export_load_alone(tmp_path, photos, arch):
    run = make_run(tmp_path, arch)
    result = export_model(run, "pt2")
    assert result.path == run / "model.pt2" and json.loads(result.json_path.read_text())["format"] == "pt2"
    extra = {"preprocessing.json": ""}
    module = torch.export.load(str(result.path), extra_files=extra).module()  # torch only, no app code
    assert json.loads(extra["preprocessing.json"])["classes"] == CLASSES
    spec = get_arch(arch)
    with torch.no_grad():
        got = module(app_input(photos, mean=spec.mean, std=spec.std)).numpy()  # 3 photos: the batch axis is free
    np.testing.assert_allclose(got, predicted(run, photos), atol=1e-4)


@pytest.mark.parametrize("fmt", ["onnx", "pt2"])
def test_maintained_exporters_warn_of_no_deprecation_and_onnx_uses_dynamo(tmp_path, photos, fmt):
    run = make_run(tmp_path, "residual_mini")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = export_model(run, fmt)
    deprecated = [str(w.message)[:120] for w in caught if issubclass(w.category, (DeprecationWarning, FutureWarning))]
    assert deprecated == [] and result.notes == []  # no fallback to the TorchScript-based ONNX exporter
    if fmt == "onnx":
        import onnx

        assert onnx.load(str(result.path)).opset_import[0].version > writers.LEGACY_OPSET


def test_onnx_falls_back_to_the_old_exporter_and_says_so(tmp_path, photos, monkeypatch, capsys):
    def broken(*_args):
        raise RuntimeError("no dynamo today")

    monkeypatch.setattr(writers, "_dynamo_onnx", broken)
    run = make_run(tmp_path, "residual_mini", classes=["cat", "dog"])
    assert cli_main(["export", str(run), "--format", "onnx"]) == 0
    out = capsys.readouterr().out
    assert "dynamo=True) failed (no dynamo today)" in out and "older TorchScript-based exporter" in out
    import onnxruntime

    got = onnxruntime.InferenceSession(str(run / "model.onnx")).run(None, {"image": app_input(photos).numpy()})[0]
    np.testing.assert_allclose(got, predicted(run, photos), atol=1e-4)


def test_torchscript_export_says_it_is_deprecated(tmp_path, capsys):
    run = make_run(tmp_path, "residual_mini")
    assert cli_main(["export", str(run), "--format", "torchscript"]) == 0
    assert "TorchScript is deprecated" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["onnx", "pt2", "torchscript"])
def test_the_printed_how_to_reproduces_predict_without_the_app(tmp_path, photos, fmt):
    """Runs the snippet `catdog export` prints: PIL + NumPy preprocessing, then the file."""
    run = make_run(tmp_path, "lenet")
    result = export_model(run, fmt)
    want = predicted(run, photos)
    for photo, row in zip(photos, want):
        scope: dict = {}
        exec(result.how_to_use().replace("photo.jpg", str(photo)), scope)  # noqa: S102 - our own snippet
        np.testing.assert_allclose(np.asarray(scope["probs"]), row, atol=1e-4)


def test_fixed_pool_equals_adaptive_pool():
    x = torch.randn(2, 5, 13, 11)
    for out in ((4, 4), (7, 7), (3, 5)):
        fixed = FixedAdaptiveAvgPool2d((13, 11), out)
        torch.testing.assert_close(fixed(x), nn.AdaptiveAvgPool2d(out)(x))


def test_cli_export_prints_how_to_use_and_refuses_bad_targets(tmp_path, photos, capsys):
    run = make_run(tmp_path, "residual_mini", classes=["cat", "dog"])
    assert cli_main(["export", str(run), "--format", "onnx", "--out", str(tmp_path / "cd.onnx")]) == 0
    out = capsys.readouterr().out
    assert "onnxruntime.InferenceSession" in out and "cd.onnx.json" in out and "classes cat, dog" in out
    assert json.loads((tmp_path / "cd.onnx.json").read_text())["classes"] == ["cat", "dog"]
    assert cli_main(["export", str(run), "--format", "onnx", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert cli_main(["export", str(tmp_path / "nope"), "--format", "torchscript"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli_main(["export", str(run), "--format", "torchscript", "--out", str(run / "meta.json")]) == 2
    assert "that is an input" in capsys.readouterr().err  # the run's own file is never written over
    assert json.loads((run / "meta.json").read_text())["arch"] == "residual_mini"


def test_window_file_menu_exports_a_run(qtbot, tmp_path, monkeypatch):
    from core.planning.duration import Rates
    from gui.main_window import MainWindow

    monkeypatch.setattr("gui.pages.train.estimator.cached_rates", lambda *a, **k: Rates(100.0, 200.0))  # no speed test
    run = make_run(tmp_path / "weights", "residual_mini")
    window = MainWindow(weights_dir=tmp_path / "weights")
    qtbot.addWidget(window)
    action = window.exportModelAction
    assert action.shortcut().toString() == "Ctrl+Shift+E" and action.text() == "Export model…"
    assert any(a.menu() is not None and action in a.menu().actions() and a.text() == "&File"
               for a in window.menuBar().actions())
    action.trigger()
    dialog = window.export_model_dialog
    assert dialog.runCombo.currentData() == str(run)
    dialog.formatCombo.setCurrentIndex(dialog.formatCombo.findData("pt2"))  # the maintained torch.export format
    assert dialog.pathEdit.text() == str(run / "model.pt2")
    dialog.formatCombo.setCurrentIndex(dialog.formatCombo.findData("torchscript"))
    assert dialog.pathEdit.text() == str(run / "model.pt")
    dialog.pathEdit.setText(str(tmp_path / "exported" / "fruit"))
    with qtbot.waitSignal(dialog.exported, timeout=60_000) as done:
        dialog.exportButton.click()
    assert done.args == [str(tmp_path / "exported" / "fruit")]  # the name typed, as given
    assert "torch.jit.load" in dialog.howTo.toPlainText() and "fruit.json" in dialog.statusLabel.text()
    photo = next(write_folders(tmp_path / "p", 1, names=("x", "y")).rglob("*.png"))
    with torch.no_grad():
        got = torch.jit.load(done.args[0])(app_input([photo])).numpy()
    np.testing.assert_allclose(got, predicted(run, [photo]), atol=1e-4)  # the file the window wrote is right
    dialog.close()
    window.close()


def test_a_full_disk_while_the_model_is_flushed_keeps_the_old_model_and_its_description(tmp_path, monkeypatch, capsys):
    """The model file reaches the disk before either file is renamed: no new JSON beside an old model."""
    import errno
    import os

    run = make_run(tmp_path, "lenet", classes=["cat", "dog"])
    out = tmp_path / "m.onnx"
    assert cli_main(["export", str(run), "--format", "onnx", "--out", str(out)]) == 0
    before = out.read_bytes(), (tmp_path / "m.onnx.json").read_bytes()
    real_fsync, sizes = os.fsync, []

    def full_for_big_files(fd):
        sizes.append(os.fstat(fd).st_size)
        if os.fstat(fd).st_size > 100_000:  # the model, not the JSON
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_for_big_files)
    assert cli_main(["export", str(run), "--format", "torchscript", "--out", str(out), "--force"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert (out.read_bytes(), (tmp_path / "m.onnx.json").read_bytes()) == before
