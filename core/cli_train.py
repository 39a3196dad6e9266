"""Console output for a training run: one line per epoch, a live line while it trains."""

from __future__ import annotations

import sys
from typing import TextIO

from core.formatting import format_duration
from core.training import events as ev


class ConsoleReporter:
    """Prints engine events; a live progress line only when writing to a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.out = stream or sys.stdout
        self.live = self.out.isatty()
        self._live_shown = False

    def _line(self, text: str) -> None:
        if self._live_shown:
            self.out.write("\r\033[K")
            self._live_shown = False
        print(text, file=self.out, flush=True)

    def _live(self, text: str) -> None:
        if self.live:
            self.out.write("\r\033[K" + text)
            self.out.flush()
            self._live_shown = True

    def __call__(self, e: ev.Event) -> None:
        if isinstance(e, ev.Preparing):
            if e.total and e.done == e.total:
                self._line(f"{e.message}: {e.total} done")
            elif e.total:
                self._live(f"{e.message}: {e.done}/{e.total}")
            else:
                self._line(e.message)
        elif isinstance(e, ev.RunStarted):
            start = f", resuming at epoch {e.start_epoch + 1}" if e.start_epoch else ""
            self._line(f"run {e.run_dir} on {e.device}{start}")
            self._line(f"classes {', '.join(e.classes)}: {e.num_train} train / {e.num_val} validation images, "
                       f"{e.steps_per_epoch} steps per epoch")
            if e.skipped:
                self._line(f"skipped {len(e.skipped)} file(s):")
                for f, reason in e.skipped:
                    self._line(f"  {f}: {reason}")
        elif isinstance(e, ev.BatchEnd):
            self._live(f"epoch {e.epoch} step {e.step}/{e.steps}  loss {e.loss:.4f}  acc {e.acc:.2%}  "
                       f"{e.images_per_s:.1f} img/s  ETA {format_duration(e.eta_s)}")
        elif isinstance(e, ev.EpochEnd):
            mark = "  *best" if e.is_best else ""
            self._line(f"epoch {e.epoch:>3}/{e.epochs}  train loss {e.train_loss:.4f} acc {e.train_acc:.2%}  "
                       f"val loss {e.val_loss:.4f} acc {e.val_acc:.2%}  lr {e.lr:.2e}  "
                       f"{e.images_per_s:.1f} img/s  {e.seconds:.1f}s{mark}")
        elif isinstance(e, ev.Finished):
            if e.stopped:
                self._line(f"stopped; resume with: catdog train --resume {e.run_dir}" if e.run_dir else "stopped")
            else:
                acc = f"{e.best_val_acc:.2%}" if e.best_val_acc is not None else "n/a"
                self._line(f"done: {e.run_dir}  best validation accuracy {acc} (epoch {e.best_epoch})")
        # ev.Failed is not printed: the command line reports the exception itself, once.
