"""Thumbnails for the rows a view paints: decoded off the GUI thread, kept in a bounded LRU of icons.

A table of 12,500 predictions cannot hold a thumbnail per photo (12,500 x 96x96x3 is 345 MB) and must
not decode on the GUI thread (a photo takes 5-20 ms). A view asks its model for DecorationRole only for
the cells it paints; the model asks here: a cached icon comes back at once, else None, the photo is
queued and ``arrived`` fires once it is decoded, and the view paints it then. The newest request is
decoded first (the rows on screen now, not those scrolled past) and only the last MAX_PENDING wait.
Decoded images cross threads through a queue drained by a timer (as gui/jobs/base.py does), never
through a queued signal carrying Python objects.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap

from core.data.decode import UnreadableImage, decode_square
from gui.jobs.base import yield_to_the_window
from gui.widgets.images import screen_ratio

MAX_PENDING = 256  # requests waiting; older ones are dropped (scrolled past: asked again if painted again)
IDLE_S = 3.0  # the decoding thread ends after this long without a request (started again on the next)
DRAIN_MS, DRAIN_BUDGET_S = 15, 0.008  # results taken in per tick, and the GUI time they may use per tick
UNREADABLE = object()  # cached for a photo that cannot be decoded: asked once, never again


class Thumbnails(QObject):
    """Icons ``logical`` px wide (sharp at the screen's scaling), at most ``max_bytes`` of pixels kept."""

    arrived = Signal()  # one or more thumbnails were decoded: views repaint the cells that asked

    def __init__(self, logical: int, max_bytes: int = 32 << 20, parent=None) -> None:
        super().__init__(parent)
        self.ratio = screen_ratio()
        self.side = max(1, round(logical * self.ratio))  # device pixels
        self.max_items = max(16, max_bytes // (self.side * self.side * 4))
        self._icons: OrderedDict[str, object] = OrderedDict()  # path -> QIcon or UNREADABLE, oldest first
        self._lock = threading.Condition()
        self._stack: OrderedDict[str, None] = OrderedDict()  # waiting paths, newest last
        self._busy: set[str] = set()  # taken by the thread, not yet delivered: never queued twice
        self._thread: threading.Thread | None = None
        self._done: queue.SimpleQueue = queue.SimpleQueue()  # (path, QImage or None) from the thread
        self.decoded = 0  # photos decoded so far (tests count them)
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self._drain)

    def icon(self, path: Path | str) -> QIcon | None:
        """The photo's icon if it is ready; else None, and it is queued (newest first)."""
        key = str(path)
        hit = self._icons.get(key)
        if hit is not None:
            self._icons.move_to_end(key)
            return None if hit is UNREADABLE else hit
        with self._lock:
            if key in self._busy:
                return None
            self._stack[key] = None
            self._stack.move_to_end(key)
            while len(self._stack) > MAX_PENDING:
                self._stack.popitem(last=False)
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="thumbnails", daemon=True)
                self._thread.start()
            self._lock.notify()
        if not self._timer.isActive():
            self._timer.start()
        return None

    def cached(self) -> int:
        return len(self._icons)

    def cancel(self) -> None:
        """Decode none of the photos asked for so far (the view shows others now)."""
        with self._lock:
            self._stack.clear()

    def clear(self) -> None:
        """Forget every icon and request (the rows they were for are gone)."""
        self.cancel()
        self._icons.clear()  # in-flight ones still arrive and are kept: the cache stays bounded

    def idle(self) -> bool:
        """Nothing waiting, decoding or undelivered."""
        with self._lock:
            return not self._stack and not self._busy

    # -- the decoding thread ------------------------------------------------------------
    def _serve(self) -> None:
        yield_to_the_window()  # the GUI thread first: a paint never waits for a decode
        while True:
            with self._lock:
                deadline = time.monotonic() + IDLE_S
                while not self._stack:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self._thread = None
                        return
                    self._lock.wait(left)
                key, _ = self._stack.popitem(last=True)  # the newest request: a row on screen now
                self._busy.add(key)
            self._done.put((key, self._decode(key)))

    def _decode(self, key: str) -> QImage | None:
        try:
            rgb = np.ascontiguousarray(decode_square(Path(key), self.side))
        except UnreadableImage:
            return None
        finally:
            self.decoded += 1
        h, w, _ = rgb.shape
        return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # copy: owns its pixels

    # -- the GUI thread -----------------------------------------------------------------
    def _drain(self) -> None:
        deadline, got = time.perf_counter() + DRAIN_BUDGET_S, False
        while time.perf_counter() < deadline:
            try:
                key, image = self._done.get_nowait()
            except queue.Empty:
                break
            got = True
            with self._lock:
                self._busy.discard(key)
            if image is None:
                self._icons[key] = UNREADABLE
            else:
                pm = QPixmap.fromImage(image)
                pm.setDevicePixelRatio(self.ratio)
                self._icons[key] = QIcon(pm)
            while len(self._icons) > self.max_items:
                self._icons.popitem(last=False)
        if got:
            self.arrived.emit()
        if self.idle():
            self._timer.stop()

