"""A page that runs short jobs on worker threads and waits for them when its window closes.

A QThread destroyed while it runs aborts the process; the window's own close handler only
knows its training and prediction jobs. So a page that owns jobs watches its window's Close
event itself (from the first time it is shown, before which it starts none).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject


class FinishJobsOnClose:
    """Mixin for a QWidget with a ``job`` attribute (a gui.jobs.workers job or None)."""

    job = None
    _watched = None

    def watch_window(self) -> None:
        window = self.window()
        if window is not self and window is not self._watched:
            self._watched = window
            window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and obj is self._watched:
            self.shutdown()
        return False

    def shutdown(self) -> None:
        job = self.job
        if job is not None and job.is_running():
            job.stop()
            job.finish_now()
