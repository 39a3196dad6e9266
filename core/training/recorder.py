"""The one owner of a run folder while it trains (timm's CheckpointSaver plays this part there).

It holds the folder's lock, clears temporary files a killed process left behind, and writes,
always atomically and in this order at the end of an epoch: the best weights, metrics.csv,
last.ckpt, meta.json. So whatever moment a crash picks, meta.json never points at an epoch
whose checkpoint is missing, and "created" stays the moment the run began.
"""

from __future__ import annotations

from pathlib import Path

from core.runs import layout, store
from core.runs.lock import RunLock
from core.runs.meta import read_meta, write_meta


class RunRecorder:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.lock = RunLock(self.run_dir)
        self.meta: dict = {}
        self.started = False  # a failure before start (bad input on resume) leaves the folder as it was

    @classmethod
    def create(cls, out: str, name: str | None, arch: str) -> RunRecorder:
        rec = cls(layout.new_run_dir(out, name, arch))
        rec.lock.acquire()
        return rec

    @classmethod
    def reopen(cls, run_dir: Path) -> RunRecorder:
        """Lock an existing run, clean stale temporary files, keep its history of starts."""
        rec = cls(run_dir)
        rec.lock.acquire()
        rec.remove_stale_temp_files()
        previous = read_meta(run_dir)
        rec.meta = {"created": previous.get("created"), "resumed": previous.get("resumed", 0) + 1}
        return rec

    def remove_stale_temp_files(self) -> list[Path]:
        """Files of an interrupted atomic write (``.last.ckpt.x1y2.tmp``): we hold the lock, so none is live."""
        stale = [p for p in self.run_dir.glob(".*.tmp") if p.is_file()]
        for p in stale:
            p.unlink(missing_ok=True)
        return stale

    def write_meta(self, meta: dict, status: str) -> None:
        kept = {k: v for k, v in self.meta.items() if k in ("created", "resumed") and v is not None}
        self.meta = {**meta, **kept, "status": status}
        self.meta.setdefault("created", meta.get("created"))
        write_meta(self.run_dir, self.meta)

    def start(self, meta: dict) -> None:
        self.write_meta(meta, "running")
        self.started = True

    def epoch_done(self, meta: dict, history: list, best_model, checkpoint: dict, finished: bool) -> None:
        if best_model is not None:
            store.save_model(self.run_dir, best_model, {"arch": meta["arch"], "classes": ",".join(meta["classes"])})
        store.write_metrics(self.run_dir, history)
        store.save_checkpoint(self.run_dir, checkpoint)
        self.write_meta(meta, "finished" if finished else "running")

    def stopped(self, meta: dict, checkpoint: dict) -> None:
        store.save_checkpoint(self.run_dir, checkpoint)
        self.write_meta(meta, "stopped")

    def failed(self, message: str, details: str) -> None:
        if self.started:
            self.write_meta({**self.meta, "error": message, "traceback": details}, "failed")

    def close(self) -> None:
        self.lock.release()


class SilentRecorder(RunRecorder):
    """Every process but rank 0 of a distributed run: the same calls, no files (rank 0 writes the folder)."""

    def __init__(self, run_dir: Path | str = "") -> None:
        super().__init__(Path(run_dir))

    def start(self, meta: dict) -> None:
        self.started = True

    def epoch_done(self, meta: dict, history: list, best_model, checkpoint: dict, finished: bool) -> None:
        pass

    def stopped(self, meta: dict, checkpoint: dict) -> None:
        pass

    def failed(self, message: str, details: str) -> None:
        pass

    def close(self) -> None:
        pass
