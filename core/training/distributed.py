"""One run over several processes: what ``torchrun`` launches, and the few collectives the engine needs.

``torchrun --nproc_per_node N -m core.cli train DATA ...`` starts N copies of ``catdog train``
with RANK, WORLD_SIZE and LOCAL_RANK set. They join one process group (gloo carries CPU
tensors, NCCL CUDA ones), each decodes and trains on its own share of the photos under
DistributedDataParallel, and they agree on whatever must be common: when to stop, the
validation metrics, which photos could not be read. Rank 0 alone writes the run folder and
prints. Without those variables (or with WORLD_SIZE=1) the ``World`` is one process and every
helper hands its input back untouched, so the single-process path does no extra work.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from core.errors import InputError


@dataclass
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0
    _ddp: tuple | None = field(default=None, repr=False)  # (module, trainable flags, its DDP wrapper)

    @property
    def active(self) -> bool:
        return self.size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def device(self, device: torch.device) -> torch.device:
        """CUDA: this process's own GPU, cuda:LOCAL_RANK (NCCL needs one GPU per process)."""
        if not self.active or device.type != "cuda":
            return device
        if self.local_rank >= torch.cuda.device_count():
            raise InputError(f"process {self.local_rank} of this machine has no GPU of its own "
                             f"({torch.cuda.device_count()} GPU(s)): use --nproc_per_node {torch.cuda.device_count()}")
        torch.cuda.set_device(self.local_rank)
        return torch.device("cuda", self.local_rank)

    def resume_command(self) -> str:
        if not self.active:
            return "catdog train --resume"
        if int(os.environ.get("LOCAL_WORLD_SIZE", self.size)) == self.size:
            return f"torchrun --nproc_per_node {self.size} -m core.cli train --resume"
        return "the same torchrun lines on every machine, with train --resume"

    # --- agreement -------------------------------------------------------------------------
    def _reduce(self, values: list[float], op) -> list[float]:
        t = torch.tensor(values, dtype=torch.float64)  # a CPU tensor: always over gloo, no GPU sync
        dist.all_reduce(t, op=op)
        return t.tolist()

    def any(self, flag: bool) -> bool:
        """True on every process when it is true on one."""
        return flag if not self.active else bool(self._reduce([float(flag)], dist.ReduceOp.MAX)[0])

    def agreed(self, flag: Callable[[], bool]) -> Callable[[], bool]:
        """``flag`` asked on every process at the same point (once per batch): all stop at the same batch."""
        return flag if not self.active else (lambda: self.any(flag()))

    def gather(self, obj: Any) -> list:
        if not self.active:
            return [obj]
        out: list = [None] * self.size
        dist.all_gather_object(out, obj)
        return out

    def on_main(self, fn: Callable[[], Any], share: bool = True) -> Any:
        """``fn()`` on rank 0 only; its result (``share``) and its errors reach every process.

        So one process reads the checkpoint or takes the lock, and none waits forever on a peer
        that failed: an InputError there is the same InputError everywhere.
        """
        if not self.active:
            return fn()
        box: list = [None]
        if self.is_main:
            try:
                result = fn()
                box[0] = ("ok", result if share else None)
            except InputError as exc:
                box[0] = ("input", str(exc))
            except Exception as exc:
                box[0] = ("failed", f"rank 0 failed: {exc}")
                dist.broadcast_object_list(box, src=0)
                raise
        dist.broadcast_object_list(box, src=0)
        kind, value = box[0]
        if kind == "input":
            raise InputError(value)
        if kind == "failed":
            raise RuntimeError(value)
        return result if self.is_main else value

    def together(self, fn: Callable[[], Any]) -> Any:
        """``fn()`` on every process; if one was stopped (InterruptedError), all are."""
        if not self.active:
            return fn()
        try:
            result, stopped = fn(), False
        except InterruptedError:
            result, stopped = None, True
        if self.any(stopped):
            raise InterruptedError("stopped")
        return result

    def explain(self, message: str) -> str:
        """A collective that failed because a peer died says so first (gloo's own words are cryptic)."""
        if self.active and any(w in message for w in ("Connection reset", "Connection closed", "NCCL", "gloo")):
            return f"another process of this run failed or was stopped (see its own message): {message[:300]}"
        return message

    # --- training -----------------------------------------------------------------------------
    def wrap(self, module: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        """``module`` under DistributedDataParallel (gradients averaged over processes).

        Rebuilt when the set of trainable parameters changes (fine-tuning unfreezes the backbone
        after its head epochs): DDP registers the parameters it syncs once, when it is made.
        """
        if not self.active:
            return module
        flags = tuple(p.requires_grad for p in module.parameters())
        if self._ddp is None or self._ddp[0] is not module or self._ddp[1] != flags:
            from torch.nn.parallel import DistributedDataParallel

            ids = [device.index] if device.type == "cuda" else None
            self._ddp = (module, flags, DistributedDataParallel(module, device_ids=ids))
        return self._ddp[2]

    def sync_buffers(self, model: torch.nn.Module) -> None:
        """Rank 0's BatchNorm statistics everywhere: every process validates the model rank 0 saves."""
        if self.active:
            for b in model.buffers():
                dist.broadcast(b.data, src=0)

    def mean(self, loss: float, acc: float, n: int) -> tuple[float, float]:
        """Per-process validation means -> the means over every validation photo."""
        if not self.active:
            return loss, acc
        total_loss, total_correct, total = self._reduce([loss * n, acc * n, float(n)], dist.ReduceOp.SUM)
        return total_loss / total, round(total_correct) / total

    def reduce_progress(self, p) -> None:
        """An EpochProgress's sums over all processes (time: the slowest one's)."""
        if self.active:
            p.loss_sum, p.correct, p.seen = self._reduce([p.loss_sum, p.correct, p.seen], dist.ReduceOp.SUM)
            p.correct, p.seen = round(p.correct), round(p.seen)
            p.train_seconds = self._reduce([p.train_seconds], dist.ReduceOp.MAX)[0]

    def resumed_progress(self, p) -> None:
        """A checkpoint holds the sums of all processes: rank 0 carries them on, the others start at zero."""
        if self.active and not self.is_main:
            p.loss_sum, p.correct, p.seen = 0.0, 0, 0


SINGLE = World()


def from_env() -> World:
    """The World torchrun describes (RANK, WORLD_SIZE, LOCAL_RANK), its process group joined."""
    size = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if size <= 1:
        return World()
    rank, local = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    if not os.environ.get("MASTER_ADDR"):
        raise InputError("WORLD_SIZE is set but MASTER_ADDR is not: start several processes with torchrun")
    backend = "cpu:gloo,cuda:nccl" if torch.cuda.is_available() else "gloo"
    if torch.cuda.is_available() and local < torch.cuda.device_count():
        torch.cuda.set_device(local)
    dist.init_process_group(backend=backend)
    return World(rank, size, local)


@contextlib.contextmanager
def launched() -> Iterator[World]:
    """``from_env`` for the length of one command; the process group is left at the end."""
    world = from_env()
    try:
        yield world
    finally:
        if world.active and dist.is_initialized():
            dist.destroy_process_group()


def shard(indices, seed: int, world: World) -> np.ndarray:
    """This process's share of ``indices``: a seeded shuffle dealt round-robin, sorted (fixed for the run)."""
    indices = np.asarray(indices, np.int64)
    g = torch.Generator().manual_seed(seed * 1_000_003 + 4)
    order = indices[torch.randperm(len(indices), generator=g).numpy()]
    return np.sort(order[world.rank::world.size])
