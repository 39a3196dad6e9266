"""Background jobs hand their results to the window a slice at a time, so it can paint in between."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal

from gui.jobs.base import Job


class SlowRows(Job):
    """Posts 12 results whose handlers each take 5 ms on the GUI thread (like a batch of table rows)."""

    row = Signal(int)

    def work(self) -> None:
        for i in range(12):
            self.post("row", i)


def test_one_tick_delivers_a_slice_and_every_result_arrives_in_order_before_done(qtbot):
    job = SlowRows()
    got, done = [], []
    job.row.connect(lambda i: (time.sleep(0.005), got.append(i)))
    job.done.connect(lambda: done.append(len(got)))
    job._timer.setInterval(10_000)  # ticks by hand below
    job.start()
    assert job.wait()
    job._drain()
    assert 1 <= len(got) < 12
    assert done == []  # not done while results are still queued
    while not done:
        job._drain()
    assert got == list(range(12)) and done == [12]


def test_finish_now_delivers_everything_at_once(qtbot):
    job = SlowRows()
    got = []
    job.row.connect(lambda i: (time.sleep(0.005), got.append(i)))
    job.start()
    job.finish_now()
    assert got == list(range(12)) and not job.is_running()
