"""Import PyTorch and the engine in the background, so the window opens before they load.

Importing torch, torchvision and timm takes seconds on a laptop CPU; the window does not
need them to show a folder or a list of runs. A plain Python thread imports them while the
user looks around; jobs that need them import the same modules (Python's import lock makes
an early job wait for the background import rather than start a second one). When it is
done, ``ready`` carries the device label for the status bar.
"""

from __future__ import annotations

import gc
import importlib
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

# what a training or prediction job imports first; the order loads the heaviest first
HEAVY_MODULES = ("torch", "torchvision", "core.hardware", "core.inference.predict", "core.training.engine")


# Two threads importing torchvision at once can see it half-initialised ("cannot import name
# 'InterpolationMode' from partially initialized module"); every first import goes through this lock.
HEAVY_IMPORT_LOCK = threading.RLock()


def import_heavy_modules(give_up: Callable[[], bool] = lambda: False) -> bool:
    """Import what jobs need, one thread at a time; instant once done.

    While another thread imports, ``give_up`` is asked every 50 ms: a job abandoned at close stops
    waiting (False, nothing imported) instead of outliving the window by the rest of the import.
    """
    while not HEAVY_IMPORT_LOCK.acquire(timeout=0.05):
        if give_up():
            return False
    try:
        for name in HEAVY_MODULES:
            importlib.import_module(name)
    finally:
        HEAVY_IMPORT_LOCK.release()
    return True


def _device_text() -> str:
    from core.hardware import device_label, resolve_device, resolve_precision

    device = resolve_device("auto")
    return device_label(device, resolve_precision("auto", device))


def _measure_architectures() -> None:
    """Parameters and FLOPs for the architecture list: read from the cache, measured (meta device,
    a few seconds) only the first time after an install or upgrade."""
    from core.models.registry import ARCHS
    from core.models.stats import complexity

    for key, spec in ARCHS.items():
        complexity(key)
        spec.imagenet_status()  # remembers where torchvision keeps its weights file, for the quick check


class Preloader(QObject):
    """Runs the imports on a daemon thread; emits ``ready(device text)`` or ``failed(message)``
    on the GUI thread (polled, so no Python object crosses threads through a Qt signal)."""

    ready = Signal(str)
    failed = Signal(str)
    POLL_MS = 50

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.result: tuple[str, str] | None = None  # ("ready" | "failed", text), set by the thread
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._thread = threading.Thread(target=self._load, name="catdog-preload", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._timer.start()

    def stop_polling(self) -> None:
        """The window is closing: nothing is delivered to it any more (the import itself goes on)."""
        self._timer.stop()

    def is_done(self) -> bool:
        return self.result is not None

    def _load(self) -> None:
        # Importing torch creates hundreds of thousands of objects: full collections during it froze the
        # window for 40-155 ms each. No collection during the import; the window then freezes what it
        # created (gui.window.gc_freeze), so later collections never scan it.
        gc.disable()
        try:
            import_heavy_modules()
            _measure_architectures()
            self.result = ("ready", _device_text())
        except Exception as exc:  # a broken install: say so in the window instead of dying silently
            self.result = ("failed", f"PyTorch could not be loaded: {type(exc).__name__}: {exc}")
        finally:
            gc.enable()

    def _poll(self) -> None:
        if self.result is None:
            return
        self._timer.stop()
        kind, text = self.result
        (self.ready if kind == "ready" else self.failed).emit(text)
