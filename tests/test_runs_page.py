"""The Runs page in the real window: table, sort, compare, export, rename, delete, resume, experiments."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import write_flat
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from test_cli_runs import _lock, fake_run

from core.runs.meta import read_meta
from core.training.config import TrainConfig
from core.training.engine import Trainer

TIMEOUT_MS = 120_000


def _names(page) -> list[str]:
    t = page.runsTable
    return [Path(t.path_at(r)).name for r in range(t.row_count())]


def _select(page, *names: str) -> None:
    page.runsTable.select_paths([str(Path(page.window_.weights_dir) / n) for n in names])


def test_table_lists_sorts_and_compares(window, qtbot, tmp_path):
    root = Path(window.weights_dir)
    fake_run(root, "small", epochs=1, model_bytes=10)
    fake_run(root, "best", epochs=4, model_bytes=5000)
    fake_run(root, "mid", epochs=2, model_bytes=100)
    page = window.runsPage
    page.refresh()
    assert window.findChild(QWidget, "runsTable") is page.runsTable
    assert window.findChild(QWidget, "comparePlot") is page.comparePlot
    assert _names(page) == ["mid", "best", "small"]  # newest first
    header = page.runsTable.horizontalHeader()
    acc_col = 5
    page.runsTable.sortByColumn(acc_col, Qt.SortOrder.DescendingOrder)
    assert _names(page) == ["best", "mid", "small"]
    page.runsTable.sortByColumn(8, Qt.SortOrder.AscendingOrder)  # size on disk
    assert _names(page) == ["small", "mid", "best"] and header.sortIndicatorSection() == 8

    _select(page, "best", "small")
    assert page.compareButton.isEnabled() and not page.renameButton.isEnabled()
    assert not page.exportPlotButton.isEnabled()  # nothing drawn yet
    qtbot.mouseClick(page.compareButton, Qt.MouseButton.LeftButton)
    assert sorted(page.comparePlot.names()) == ["best", "small"]
    acc_curve, loss_curve = page.comparePlot.series["best"]["curves"]
    assert list(acc_curve.getData()[0]) == [1, 2, 3, 4]
    assert [round(v, 3) for v in loss_curve.getData()[1]] == [0.7, 0.35, 0.233, 0.175]
    assert page.exportPlotButton.isEnabled()
    page.export_png(str(tmp_path / "overlay.png"))
    assert Image.open(tmp_path / "overlay.png").size[0] >= 1200


def test_rename_and_delete_with_confirmation(window, qtbot, monkeypatch):
    root = Path(window.weights_dir)
    fake_run(root, "first")
    fake_run(root, "second")
    page = window.runsPage
    page.refresh()
    _select(page, "first")
    opened = []
    monkeypatch.setattr("gui.pages.runs.actions.QDesktopServices.openUrl", lambda url: opened.append(url.toLocalFile()))
    qtbot.mouseClick(page.openButton, Qt.MouseButton.LeftButton)
    assert opened == [str(root / "first")]
    page.ask_rename()
    page.rename_dialog.setTextValue("bad name!")
    page.rename_dialog.accept()
    assert "letters, digits" in window.last_error and (root / "first").is_dir()
    page.ask_rename()
    page.rename_dialog.setTextValue("renamed")
    page.rename_dialog.accept()
    assert (root / "renamed").is_dir() and not (root / "first").exists()
    assert sorted(_names(page)) == ["renamed", "second"]
    assert [Path(p).name for p in page.runsTable.selected_paths()] == ["renamed"]

    page.ask_delete()
    page.delete_box.reject()  # Cancel: nothing happens
    assert (root / "renamed").is_dir()
    page.ask_delete()
    page.delete_box.accept()
    assert not (root / "renamed").exists() and _names(page) == ["second"]


def test_a_training_run_cannot_be_renamed_or_deleted(window):
    root = Path(window.weights_dir)
    run = fake_run(root, "busy", status="running")
    _lock(run, os.getpid())  # held by this process, as the window's own training holds it
    page = window.runsPage
    page.refresh()
    _select(page, "busy")
    assert page.runsTable.selected_rows()[0].status == "running"
    assert not page.deleteButton.isEnabled() and not page.renameButton.isEnabled()
    assert page.delete([str(run)]) == 0
    assert "training now" in window.last_error and run.is_dir()
    page.rename(str(run), "other")
    assert run.is_dir() and not (root / "other").exists()


def test_resume_a_run_for_more_epochs_from_the_page(window, qtbot, tmp_path):
    data = write_flat(tmp_path / "train", 8, size=32)
    Trainer(TrainConfig(data=str(data), arch="lenet", epochs=1, batch_size=8, image_size=32,
                        out=window.weights_dir, name="older")).run()
    Trainer(TrainConfig(data=str(data), arch="lenet", epochs=1, batch_size=8, image_size=32,
                        out=window.weights_dir, name="newer")).run()
    page = window.runsPage
    page.refresh()
    _select(page, "older")
    assert page.resumeButton.isEnabled()
    page.ask_resume()
    assert page.resume_dialog.selected().name == "older"  # the run picked on the page, not the newest
    page.resume_dialog.epochsSpin.setValue(2)
    with qtbot.waitSignal(window.trainingFinished, timeout=TIMEOUT_MS):
        page.resume_dialog.accept()
    assert read_meta(Path(window.weights_dir) / "older")["epochs_done"] == 2
    assert page.runsTable.rows[str(Path(window.weights_dir) / "older")].epochs == 2  # refreshed


def _tiny_settings(window, data: Path) -> None:
    window.dataPage.set_folder(str(data))
    window.archCombo.setCurrentIndex(window.archCombo.findData("lenet"))
    window.epochsSpin.setValue(1)
    window.batchSizeSpin.setValue(8)
    window.imageSizeSpin.setValue(32)


def test_lenet_vs_resnet_experiment_trains_both_and_overlays(window, qtbot, tmp_path):
    _tiny_settings(window, write_flat(tmp_path / "train", 8, size=32))
    window.trainPage.startCombo.set_start("imagenet-frozen")  # experiments train from scratch anyway
    page = window.runsPage
    window.tabs.setCurrentWidget(page)
    qtbot.mouseClick(page.experimentButtons["lenet-resnet"], Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is page and page.stopExperimentButton.isEnabled()
    assert "level off early" in page.plotNote.text()
    qtbot.waitUntil(lambda: page.experiment.queue.done and window.train_job is None, timeout=TIMEOUT_MS)
    q = page.experiment.queue
    assert q.outcomes == ["finished", "finished"] and not q.stopped
    names = page.experiment.run_names()
    assert [n.split("-")[-1] for n in names] == ["lenet", "resnet18"]
    assert page.comparePlot.names() == names  # both curves, drawn as the epochs came
    assert [label.text for _, label in page.comparePlot.legend.items] == ["lenet", "resnet18"]
    for n in names:
        meta = read_meta(Path(window.weights_dir) / n)
        assert meta["status"] == "finished" and meta["start"] == "scratch"
    assert sorted(_names(page)) == sorted(names) and "all 2 runs done" in page.plotNote.text()
    assert page.degradationButton.isEnabled() and not page.stopExperimentButton.isEnabled()


def test_stop_ends_the_degradation_queue(window, qtbot, tmp_path):
    _tiny_settings(window, write_flat(tmp_path / "train", 8, size=32))
    page = window.runsPage
    with qtbot.waitSignal(page.experiment.runStarted, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.degradationButton, Qt.MouseButton.LeftButton)
    [row] = page.runsTable.rows.values()  # listed at once, locked by this window's training
    assert row.status == "running" and row.arch == "plain18" and not page.deleteButton.isEnabled()
    qtbot.mouseClick(page.stopExperimentButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.train_job is None, timeout=TIMEOUT_MS)
    q = page.experiment.queue
    assert q.stopped and len(q.run_dirs) == 1 and q.configs[0].arch == "plain18"
    made = [p.name for p in Path(window.weights_dir).iterdir()]
    assert len(made) == 1 and made[0].endswith("plain18")
    assert "stopped (0 of 4 runs finished)" in page.plotNote.text() and page.degradationButton.isEnabled()


def test_experiment_without_data_says_so(window):
    window.runsPage.start_experiment("degradation")
    assert "Data page" in window.last_error and window.train_job is None
