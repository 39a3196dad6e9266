"""Shared fixtures: an offscreen Qt platform, and tiny synthetic photos drawn with Pillow.

The synthetic task: red discs ("cat") versus blue squares ("dog") at random places and
sizes on noisy backgrounds. A small CNN learns it to >90% in a few seconds, so tests can
train for real.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # one PyTorch thread per worker: n workers on n cores, none fighting for the others' (set before torch loads)
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402


def draw_sample(kind: str, rng: np.random.Generator, size: int = 48) -> Image.Image:
    noise = rng.integers(60, 200, (size, size, 3), dtype=np.uint8)
    im = Image.fromarray(noise, "RGB")
    d = ImageDraw.Draw(im)
    r = int(rng.integers(size // 5, size // 3))
    cx, cy = (int(v) for v in rng.integers(r + 1, size - r - 1, 2))
    box = [cx - r, cy - r, cx + r, cy + r]
    if kind == "cat":
        d.ellipse(box, fill=(230, 30, 30))
    else:
        d.rectangle(box, fill=(30, 30, 230))
    return im


def write_flat(folder: Path, per_class: int, seed: int = 0, size: int = 48) -> Path:
    """Kaggle-style names: cat.0.jpg ... dog.N.jpg."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for kind in ("cat", "dog"):
        for i in range(per_class):
            draw_sample(kind, rng, size).save(folder / f"{kind}.{i}.jpg", quality=92)
    return folder


def write_folders(folder: Path, per_class: int, names=("cats", "dogs"), seed: int = 0, size: int = 48) -> Path:
    rng = np.random.default_rng(seed)
    for name, kind in zip(names, ("cat", "dog")):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            draw_sample(kind, rng, size).save(folder / name / f"img_{i}.png")
    return folder


def write_test_folder(folder: Path, ids: list[int], seed: int = 1, size: int = 48) -> dict[int, str]:
    """Unlabelled competition-style test files 1.jpg, 2.jpg...; returns the true kind per id."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    truth = {}
    for i in ids:
        kind = "cat" if rng.random() < 0.5 else "dog"
        draw_sample(kind, rng, size).save(folder / f"{i}.jpg", quality=92)
        truth[i] = kind
    return truth


MAX_WORKERS = 4  # each worker loads PyTorch and Qt (~0.5 GB): a 16-core laptop need not hold 16 of them


@pytest.hookimpl(optionalhook=True)  # pytest without xdist (-p no:xdist) must not call it an unknown hook
def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: one worker per core the process may use, at most MAX_WORKERS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores))


@pytest.fixture
def flat_data(tmp_path) -> Path:
    return write_flat(tmp_path / "train", per_class=40)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Qt objects of a finished test are destroyed here, at a quiet moment, not at random later.

    pytest-qt closes a test's widgets and calls deleteLater(), but processEvents() never runs deferred
    deletions: the windows lived on into later tests with their timers firing. And pyqtgraph's context
    menus are parentless QMenus owned by Python: left to the garbage collector, one was destroyed in the
    middle of a Qt call that held a lock its destructor needed (a deadlock). Here, after pytest has let
    go of the test's fixtures, delete and collect them; what survives is long-lived (module fixtures,
    caches), so it is frozen out of the next collections' way.
    """
    result = yield
    if "qtbot" in item.fixturenames:
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        gc.freeze()
    return result


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Pixel caches and model stats go to the test's temporary folder, never the user's cache."""
    monkeypatch.setenv("CATDOG_CACHE_DIR", str(tmp_path / "pixel-cache"))


@pytest.fixture
def trash_files(tmp_path, monkeypatch) -> Path:
    """The system trash's files folder for this test alone (on the test's drive). send2trash reads
    XDG_DATA_HOME once, at import, so the module's own constants are pointed here, not the variable."""
    import os

    import send2trash.plat_other as trash

    home = tmp_path / "share"
    monkeypatch.setattr(trash, "XDG_DATA_HOME", os.fsencode(home))
    monkeypatch.setattr(trash, "HOMETRASH_B", os.fsencode(home / "Trash"))
    monkeypatch.setattr(trash, "HOMETRASH", str(home / "Trash"))
    return home / "Trash" / "files"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path):
    """The app's QSettings (INI, user scope) live in the test's folder, not the user's."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # core-only environments
        return
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))


@pytest.fixture
def window_weights_dir(tmp_path):
    """Where the window saves and lists runs; a test file can override it."""
    return tmp_path / "weights"


@pytest.fixture
def window(qtbot, window_weights_dir):
    """The real main window, shown, saving runs in ``window_weights_dir``."""
    from gui.main_window import MainWindow

    w = MainWindow(weights_dir=window_weights_dir)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w._quitting = True  # a run still training at the end is stopped without the "quit?" question
    w.close()
