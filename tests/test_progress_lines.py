"""Long phases print progress with speed and time left: live on a terminal, a line every 10% or 30 s in a log."""

from __future__ import annotations

import io

from core.cli.progress import ProgressLines
from core.cli.train import ConsoleReporter
from core.training import events as ev


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_a_log_gets_a_line_every_tenth_or_every_30_seconds_with_speed_and_time_left():
    out, clock = io.StringIO(), Clock()
    lines = ProgressLines(out, live=False, clock=clock)
    lines.update("Computing ImageNet features", 0, 25_000)
    for done in range(100, 25_001, 100):  # 100 photos/s
        clock.t += 1.0
        lines.update("Computing ImageNet features", done, 25_000)
    printed = out.getvalue().splitlines()
    assert len(printed) == 10  # every 10% (2,500 photos: 25 s, so never 30 s without a line)
    assert printed[0] == "Computing ImageNet features: 2,500/25,000 (10%), 100.0 photos/s, 3:45 left"
    assert printed[-1] == "Computing ImageNet features: 25,000/25,000 (100%), 100.0 photos/s"
    slow = ProgressLines(io.StringIO(), live=False, clock=clock)
    slow.update("predicting", 0, 1000)
    for done in range(1, 11):  # 1 photo every 31 s: a line each time
        clock.t += 31
        slow.update("predicting", done, 1000)
    assert len(slow.out.getvalue().splitlines()) == 10


def test_a_short_phase_stays_quiet_in_a_log_and_a_terminal_gets_one_live_line():
    out, clock = io.StringIO(), Clock()
    lines = ProgressLines(out, live=False, clock=clock)
    for done in range(0, 101, 10):
        clock.t += 0.1
        lines.update("predicting", done, 100)
    assert out.getvalue() == ""
    tty = io.StringIO()
    live = ProgressLines(tty, live=True, clock=clock)
    live.update("predicting", 5, 10)
    live.done()
    assert tty.getvalue().startswith("\r\033[Kpredicting: 5/10 (50%)") and tty.getvalue().endswith("\n")


def test_train_logs_epoch_progress_without_a_terminal(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("core.cli.progress.time.monotonic", clock)
    out = io.StringIO()
    report = ConsoleReporter(out)
    for step in range(1, 101):
        clock.t += 1
        report(ev.BatchEnd(1, step, 100, step, 300, 0.5, 0.75, 1e-3, 32.0, (300 - step) * 1.0))
    printed = out.getvalue().splitlines()
    assert len(printed) == 9  # steps 11, 21 ... 91; the epoch's own line follows step 100
    assert printed[0] == "epoch 1 step 11/100  loss 0.5000  acc 75.00%  32.0 img/s  ETA 4:49"
