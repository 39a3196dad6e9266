"""The window freezes start-up objects out of the collector's sight once, not every window it builds."""

from __future__ import annotations

import gc
import weakref

from PySide6.QtCore import QCoreApplication, QEvent

from gui.main_window import MainWindow
from gui.window.gc_freeze import freeze_once


def test_each_stage_freezes_once():
    assert freeze_once("a stage of this test")
    frozen = gc.get_freeze_count()
    fresh = [[] for _ in range(1000)]  # a second freeze would take these in
    assert not freeze_once("a stage of this test")
    # not ==: frozen objects freed meanwhile (another thread's) leave the count, so it may go down
    assert gc.get_freeze_count() < frozen + len(fresh)


def _closed_and_deleted(window: MainWindow) -> None:
    window._quitting = True
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_a_closed_window_is_collected_so_its_timers_stop(qtbot, tmp_path):
    first = MainWindow(weights_dir=tmp_path / "a")  # the process's first window may be frozen for good
    _closed_and_deleted(first)
    window = MainWindow(weights_dir=tmp_path / "b")
    ref = weakref.ref(window)
    _closed_and_deleted(window)
    del window, first
    gc.collect()
    assert ref() is None, "a closed window stayed alive (frozen out of the collector's sight)"


def test_the_first_predictions_freeze_the_model_libraries_they_loaded(qtbot, tmp_path, monkeypatch):
    """Full collections while 12,500 rows arrived froze the window 30-66 ms: the 60,000 objects of the libraries
    the first prediction loads (timm's, safetensors, Pillow's plugins) were scanned every time."""
    import gui.window.gc_freeze as gc_freeze

    monkeypatch.setattr(gc_freeze, "_frozen", {"window", "torch"})  # a fresh process, as far as stages go
    freezes = []
    monkeypatch.setattr(gc_freeze.gc, "freeze", lambda: freezes.append(1))  # this test process stays unfrozen
    window = MainWindow(weights_dir=tmp_path / "w")
    window.predictionsReady.emit(3)  # what a finished prediction job says
    window.predictionsReady.emit(5)
    _closed_and_deleted(window)
    assert "model" in gc_freeze._frozen and freezes == [1]
