"""The window opens before PyTorch loads (issue 15): importing it must not import torch."""

from __future__ import annotations

import subprocess
import sys

from gui.main_window import MainWindow

HEAVY = ("torch", "torchvision", "timm")


def test_window_module_and_the_command_line_parser_do_not_import_torch():
    """The window opens, and `catdog --help` or a bad flag answers, before PyTorch (seconds) could load."""
    heavy = f"','.join(m for m in {HEAVY!r} if m in sys.modules)"
    code = (f"import sys, gui.main_window, gui.app; print({heavy}); "
            f"from core.cli.parser import build_parser; build_parser(); print({heavy})")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    window, parser = out.stdout.splitlines()
    assert window == "", f"importing the window imported {window}"
    assert parser == "", f"building catdog's parser imported {parser}"


def test_preloader_reports_the_device_when_torch_is_ready(qtbot, tmp_path):
    window = MainWindow(weights_dir=tmp_path / "weights")
    qtbot.addWidget(window)
    if not window.preloader.is_done():
        assert window.deviceLabel.text().startswith("loading")
    qtbot.waitUntil(window.preloader.is_done, timeout=60_000)
    qtbot.waitUntil(lambda: not window.deviceLabel.text().startswith("loading"))
    assert window.preloader.result[0] == "ready"
    assert window.deviceLabel.text().split(" ")[0] in ("CPU", "CUDA", "MPS")


def test_start_pressed_while_torch_loads_trains_once_it_is_ready(qtbot, tmp_path, monkeypatch):
    from conftest import write_flat

    window = MainWindow(weights_dir=tmp_path / "weights")
    qtbot.addWidget(window)
    qtbot.waitUntil(window.preloader.is_done, timeout=60_000)
    qtbot.wait(2 * window.preloader.POLL_MS)  # its ready signal has gone out: replay a slow start by hand
    monkeypatch.setattr(window.preloader, "is_done", lambda: False)
    window.dataPage.set_folder(str(write_flat(tmp_path / "train", 16, size=40)))
    window.archCombo.setCurrentIndex(window.archCombo.findData("lenet"))
    window.epochsSpin.setValue(1)
    window.imageSizeSpin.setValue(32)
    window.start_training()
    assert window.train_job is None and "still loading" in window.statusLine.text()
    monkeypatch.undo()
    with qtbot.waitSignal(window.trainingFinished, timeout=120_000):
        window.preloader.ready.emit("CPU · fp32")


def test_torch_arriving_keeps_the_users_choices(window, qtbot):
    window.archCombo.setCurrentIndex(window.archCombo.findData("resnet18"))
    window.imageSizeSpin.setValue(64)
    window.trainPage.startCombo.set_start("scratch")
    qtbot.waitUntil(window.preloader.is_done, timeout=60_000)
    window._libraries_loaded("CPU · fp32")  # what the ready signal does, replayed after the user's choices
    assert window.imageSizeSpin.value() == 64 and window.trainPage.startCombo.start() == "scratch"
    assert "resnet18  · 11.2M" == window.archCombo.currentText()
    assert "GFLOPs" in window.trainPage.archDescription.text()


def test_the_estimate_waits_for_torch_instead_of_importing_it_on_the_gui_thread(window, qtbot, tmp_path, monkeypatch):
    """Reading the speed cache imports torch; on the GUI thread during the background import that
    blocked on Python's import lock and froze the window for ~430 ms."""
    from conftest import write_flat

    import gui.pages.train.estimator
    from core.planning.duration import Rates

    qtbot.waitUntil(window.preloader.is_done, timeout=60_000)
    qtbot.wait(2 * window.preloader.POLL_MS)
    read = []
    monkeypatch.setattr(gui.pages.train.estimator, "cached_rates", lambda *a, **k: read.append(a) or Rates(100.0, 200.0))
    monkeypatch.setattr(window.preloader, "is_done", lambda: False)
    window.dataPage.set_folder(str(write_flat(tmp_path / "train", 8, size=40)))
    window.estimator.update()
    assert read == [] and "once PyTorch has loaded" in window.trainPage.estimateLabel.text()
    monkeypatch.setattr(window.preloader, "is_done", lambda: True)
    window._libraries_loaded("CPU · fp32")  # the ready signal schedules the estimate again
    qtbot.waitUntil(lambda: len(read) > 0, timeout=5_000)
    qtbot.waitUntil(lambda: "on this computer" in window.trainPage.estimateLabel.text())


def test_a_closed_window_hears_nothing_more_from_the_background_import(window):
    window._quitting = True
    window.close()
    assert not window.preloader._timer.isActive()
