"""Progress of a long phase on the console: one live line on a terminal; in a log, a line at least every
10% or 30 s. Either way with its speed and the time left, so a 25-minute run's log is never silent."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from core.utils.formatting import format_duration

LOG_EVERY_S = 30.0
LOG_EVERY_SHARE = 0.1
QUIET_FOR_S = 2.0  # in a log, a phase shorter than this prints no progress lines (only its result)


class ProgressLines:
    """Writes ``label: done/total (pct), N unit/s, M:SS left``: live (``\\r``) on a terminal, else throttled lines."""

    def __init__(self, out: TextIO | None = None, live: bool | None = None, clock=None) -> None:
        self.out = out or sys.stderr
        self.live = self.out.isatty() if live is None else live
        self.clock = clock or (lambda: time.monotonic())
        self._phase: str | None = None
        self._start = self._last_t = 0.0
        self._first = self._last_done = 0
        self.live_shown = False

    def text(self, label: str, done: int, total: int, unit: str = "photos", rate: float | None = None,
             left_s: float | None = None) -> str:
        """The line; rate and time left measured since the phase began unless given."""
        now = self.clock()
        elapsed = now - self._start
        if rate is None and elapsed > 0 and done > self._first:
            rate = (done - self._first) / elapsed
        if left_s is None and rate:
            left_s = (total - done) / rate
        parts = [f"{label}: {done:,}/{total:,} ({done / max(total, 1):.0%})"]
        if rate:
            parts.append(f"{rate:,.1f} {unit}/s")
        if left_s is not None and done < total:
            parts.append(f"{format_duration(left_s)} left")
        return ", ".join(parts)

    def update(self, label: str, done: int, total: int, unit: str = "photos", *, key: str | None = None,
               rate: float | None = None, left_s: float | None = None, text: str | None = None,
               final: bool = True) -> None:
        """Report ``done`` of ``total``; ``key`` names the phase (default: the label), a new one restarts the clock.
        ``final=False``: in a log, the last report is left to the caller's own summary line."""
        now = self.clock()
        phase = key or label
        if phase != self._phase:
            self._phase, self._start, self._last_t, self._first, self._last_done = phase, now, now, done, done
        line = text or self.text(label, done, total, unit, rate, left_s)
        if self.live:
            self.out.write("\r\033[K" + line)
            self.out.flush()
            self.live_shown = True
            return
        step = max(1, int(total * LOG_EVERY_SHARE))
        if done >= total:
            if final and now - self._start >= QUIET_FOR_S:
                print(line, file=self.out, flush=True)
            return
        if now - self._start < QUIET_FOR_S:
            return
        if done - self._last_done >= step or now - self._last_t >= LOG_EVERY_S:
            print(line, file=self.out, flush=True)
            self._last_t, self._last_done = now, done

    def clear(self) -> None:
        """End a live line (before a normal line is printed)."""
        if self.live_shown:
            self.out.write("\r\033[K")
            self.out.flush()
            self.live_shown = False

    def done(self) -> None:
        """The phase ended: a live line gets its newline."""
        if self.live_shown:
            print(file=self.out, flush=True)
            self.live_shown = False
        self._phase = None
