"""The one owner of a run folder while it trains (timm's CheckpointSaver plays this part there).

A new run folder appears whole: its meta.json and a not-started last.ckpt (checkpoint.py) are
written in a hidden folder beside it, which then takes the run's name in one rename. So from
its first second the folder is a run that ``--resume`` finishes; a kill before that leaves
only the hidden folder, which the next new run there removes. The recorder holds the folder's
lock, clears temporary files a killed process left behind, and writes, always atomically and
in this order at the end of an epoch: the best weights, metrics.csv, last.ckpt, meta.json. So
whatever moment a crash picks, meta.json never points at an epoch whose checkpoint is missing,
and "created" stays the moment the run began.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from core.errors import InputError
from core.runs import layout, store
from core.runs.lock import RunLock
from core.runs.meta import read_meta, write_meta
from core.utils.atomic import current_umask
from core.utils.processes import HOST, left_by_dead_writer

#: a run folder being made: STAGING + "PID.HOST." + random letters, hidden from every listing
STAGING = ".catdog-new."


class RunRecorder:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.lock = RunLock(self.run_dir)
        self.meta: dict = {}
        self.new = False  # made by this session: removed again if its photos cannot train (discard)
        self.started = False  # a failure before start (bad input on resume) leaves the folder as it was

    @classmethod
    def create(cls, out: str | Path, name: str | None, arch: str, meta: dict, checkpoint: dict) -> RunRecorder:
        """A new run folder holding ``meta`` and the not-started ``checkpoint`` from the moment it exists."""
        out = Path(out).expanduser()
        made_out = not out.exists()
        try:
            out.mkdir(parents=True, exist_ok=True)
            remove_stale_staging(out)
            staging = Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}.{HOST}.", dir=out))
            staging.chmod(0o777 & ~current_umask())  # a plain mkdir's mode, not mkdtemp's private 0700
        except OSError as exc:
            raise InputError(f"cannot create a run folder in {out}: {exc.strerror or exc}") from None
        rec, final = cls(staging), None
        try:
            rec.lock.acquire()
            rec.write_meta(meta, "running")
            store.save_checkpoint(staging, checkpoint)
            final = layout.new_run_dir(out, name, arch)  # claims the name with an empty folder...
            os.replace(staging, final)  # ...which the whole run replaces in one rename
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            for folder in (final, out if made_out else None):
                if folder is not None:
                    with contextlib.suppress(OSError):
                        folder.rmdir()  # only if empty: what this call made, and nothing else
            if isinstance(exc, OSError):  # a full disk, no permission: no run was made, nothing to resume
                raise InputError(f"cannot create a run folder in {out}: {exc.strerror or exc}") from None
            raise
        rec.run_dir, rec.new = final, True
        rec.lock.moved_to(final)
        return rec

    @classmethod
    def reopen(cls, run_dir: Path) -> RunRecorder:
        """Lock an existing run, clean stale temporary files, keep its history of starts."""
        rec = cls(run_dir)
        rec.lock.acquire()
        rec.remove_stale_temp_files()
        previous = read_meta(run_dir)
        rec.meta = {**previous, "created": previous.get("created"), "resumed": previous.get("resumed", 0) + 1}
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

    def interrupted(self) -> None:
        """Stopped before a batch trained (decoding, computing features): "stopped", its checkpoint as it was."""
        if self.meta.get("arch"):
            kept = {k: v for k, v in self.meta.items() if k not in ("error", "traceback")}
            self.write_meta({**kept, "updated": layout.now_iso()}, "stopped")

    def failed(self, message: str, details: str) -> None:
        """Best effort: a disk too full for this meta.json must not hide the error that stopped the run."""
        if self.started or self.new:
            with contextlib.suppress(OSError):
                self.write_meta({**self.meta, "error": message, "traceback": details}, "failed")

    def discard(self) -> None:
        """A new run refused before its first batch (its photos cannot train): nothing in it is worth keeping."""
        if not self.new or self.started:
            return
        self.new = False  # nothing to record any more
        self.lock.release()
        ours = (layout.META_FILE, layout.CHECKPOINT_FILE, layout.METRICS_FILE, layout.MODEL_FILE)
        for p in self.run_dir.iterdir():
            if p.name in ours or (p.name.startswith(".") and p.name.endswith(".tmp")):
                p.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.run_dir.rmdir()

    def close(self) -> None:
        self.lock.release()


def remove_stale_staging(out: Path) -> None:
    """Run folders a killed process was making in ``out`` (only this machine's: another's may be live)."""
    for d in out.glob(STAGING + "*"):
        pid, _, rest = d.name[len(STAGING):].partition(".")
        if pid.isascii() and pid.isdigit() and left_by_dead_writer(rest.rpartition(".")[0], int(pid)) \
                and d.is_dir() and not d.is_symlink():
            shutil.rmtree(d, ignore_errors=True)


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

    def interrupted(self) -> None:
        pass

    def failed(self, message: str, details: str) -> None:
        pass

    def discard(self) -> None:
        pass

    def close(self) -> None:
        pass
