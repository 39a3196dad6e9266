"""Any number of classes: 3- and 10-class folder sets train, predict (top-k) and show in the window.

Synthetic classes: class k is a filled square in its own colour on a noisy background.
Only the competition CSV is cat/dog specific, and it says so for an N-class model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import Qt

from core.cli.parser import main as cli_main
from core.inference.predict import load_run, predict_files
from core.runs import layout
from core.runs.meta import read_meta

# its module-scoped fixture is built once: every test of this file runs in one xdist worker
pytestmark = pytest.mark.xdist_group(__name__)

COLOURS = [(230, 30, 30), (30, 30, 230), (30, 200, 30), (240, 220, 20), (200, 30, 200), (20, 220, 220),
           (255, 140, 0), (120, 60, 20), (255, 255, 255), (0, 0, 0)]
TEN = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]  # CIFAR-10's


def photo(k: int, rng: np.random.Generator, size: int = 40) -> Image.Image:
    im = Image.fromarray(rng.integers(80, 180, (size, size, 3), dtype=np.uint8), "RGB")
    r = int(rng.integers(size // 4, size // 3))
    cx, cy = (int(v) for v in rng.integers(r + 1, size - r - 1, 2))
    ImageDraw.Draw(im).rectangle([cx - r, cy - r, cx + r, cy + r], fill=COLOURS[k])
    return im


def write_classes(root: Path, names: list[str], per_class: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for k, name in enumerate(names):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            photo(k, rng).save(root / name / f"{i}.png")
    return root


def write_numbered(root: Path, n_classes: int, n: int, seed: int = 1) -> list[Path]:
    """Unlabelled test photos 1.jpg ... n.jpg (competition names, so a CSV can be asked for)."""
    root.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(1, n + 1):
        photo(i % n_classes, rng).save(root / f"{i}.jpg", quality=92)
        paths.append(root / f"{i}.jpg")
    return paths


def train(data: Path, out: Path, name: str, arch: str = "residual_mini", epochs: int = 1) -> Path:
    assert cli_main(["train", str(data), "--arch", arch, "--epochs", str(epochs), "--image-size", "32",
                     "--batch-size", "8", "--out", str(out), "--name", name]) == 0
    return out / name


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    root = tmp_path_factory.mktemp("three")
    run = train(write_classes(root / "data", ["apple", "banana", "cherry"], 10), root / "weights", "fruit", epochs=2)
    return run, write_numbered(root / "test", 3, 6)


def test_three_classes_train_and_predict_with_top_k(three, capsys):
    run, photos = three
    meta = read_meta(run)
    assert meta["classes"] == ["apple", "banana", "cherry"] and meta["num_classes"] == 3
    assert len(meta["metrics"]) == 2 and (run / layout.METRICS_FILE).read_text().count("\n") == 3
    capsys.readouterr()
    assert cli_main(["predict", str(run), *map(str, photos)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 6
    for line in lines:  # every class, in class order
        assert line.split()[1] in meta["classes"]
        assert [p.split("=")[0] for p in line.split()[3:]] == ["P(apple)", "P(banana)", "P(cherry)"]
    assert cli_main(["predict", str(run), str(photos[0]), "--top", "2"]) == 0
    words = capsys.readouterr().out.split()
    shown, values = words[3:], [float(p.split("=")[1]) for p in words[3:]]
    assert len(shown) == 2 and values == sorted(values, reverse=True)
    assert shown[0].startswith(f"P({words[1]})=")  # the predicted class comes first


def test_the_competition_csv_needs_the_class_that_is_1(three, tmp_path, capsys):
    run, photos = three
    csv = tmp_path / "sub.csv"
    assert cli_main(["predict", str(run), str(photos[0].parent), "--csv", str(csv)]) == 2
    err = capsys.readouterr().err
    assert "apple, banana, cherry" in err and "--positive-class" in err and not csv.exists()
    assert cli_main(["predict", str(run), str(photos[0].parent), "--csv", str(csv), "--positive-class", "banana"]) == 0
    assert "1 = banana, 0 = any other class (apple, cherry)" in capsys.readouterr().out
    rows = csv.read_text().splitlines()
    assert rows[0] == "id,label" and len(rows) == 7 and {r.split(",")[1] for r in rows[1:]} <= {"0", "1"}


def test_ten_classes_train_and_print_the_top_5(tmp_path, capsys):
    run = train(write_classes(tmp_path / "cifar", TEN, 3), tmp_path / "w", "cifar", arch="lenet")
    assert read_meta(run)["classes"] == sorted(TEN)
    photos = write_numbered(tmp_path / "test", 10, 3)
    preds, failures = predict_files(load_run(run, device="cpu"), photos)
    assert not failures and all(len(p.probs) == 10 and abs(sum(p.probs) - 1) < 1e-4 for p in preds)
    capsys.readouterr()
    assert cli_main(["predict", str(run), *map(str, photos)]) == 0
    for line, p in zip(capsys.readouterr().out.strip().splitlines(), preds):
        shown = line.split()[3:]
        assert len(shown) == 5  # the five most probable of ten, most probable first
        assert shown[0].startswith(f"P({sorted(TEN)[p.label]})=")
    assert cli_main(["predict", str(run), str(photos[0]), "--top", "10"]) == 0
    assert len(capsys.readouterr().out.split()[3:]) == 10


def test_window_trains_ten_classes_and_predicts_three(three, qtbot, tmp_path, monkeypatch):
    from core.planning.duration import Rates
    from gui.main_window import MainWindow

    monkeypatch.setattr("gui.pages.train.estimator.cached_rates", lambda *a, **k: Rates(100.0, 200.0))  # no speed test
    run, photos = three
    window = MainWindow(weights_dir=run.parent)
    qtbot.addWidget(window)
    window.dataPathEdit.setText(str(write_classes(tmp_path / "cifar", TEN, 3)))
    window.dataPathEdit.editingFinished.emit()
    window.archCombo.setCurrentIndex(window.archCombo.findData("lenet"))
    window.trainPage.startCombo.set_start("scratch")
    window.epochsSpin.setValue(1)
    window.imageSizeSpin.setValue(32)
    window.batchSizeSpin.setValue(8)
    with qtbot.waitSignal(window.trainingFinished, timeout=120_000) as finished:
        qtbot.mouseClick(window.trainButton, Qt.MouseButton.LeftButton)
    assert read_meta(Path(finished.args[0]))["num_classes"] == 10
    assert len(window.trainPage.curves.val_acc_curve.getData()[0]) == 1

    window.predictPage.refresh_models(select=str(run))
    assert window.modelCombo.currentData() == str(run)
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000) as ready:
        window.predict_paths(photos)
    assert ready.args == [6]
    rows = window.predictionsTable.model()
    reference = {p.path.name: p for p in predict_files(load_run(run), photos)[0]}
    for r in range(6):
        p = reference[rows.index(r, 1).data()]
        assert rows.index(r, 2).data() == ["apple", "banana", "cherry"][p.label]
        tip = rows.index(r, 3).data(Qt.ItemDataRole.ToolTipRole)
        assert len(tip.splitlines()) == 3  # P(...) of every class, most probable first
    window.export_csv()
    dialog = window.export_dialog
    assert [dialog.positiveCombo.itemData(i) for i in range(dialog.positiveCombo.count())] == \
        ["apple", "banana", "cherry"]
    assert dialog.positive_class() is None and "Cannot export" in dialog.preview.toPlainText()
    dialog.positiveCombo.setCurrentIndex(2)
    assert dialog.preview.toPlainText().startswith("id,label")
    dialog.close()
    window.close()
