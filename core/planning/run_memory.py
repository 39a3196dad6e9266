"""Everything a training run will hold at its peak, before it starts: the line ``catdog train`` prints and the
Train page shows.

The peak is the sum of what is alive together at the run's worst moment:

* the process: Python with PyTorch, torchvision and timm loaded, measured as this process's resident
  memory now (the CLI and the window ask once they have them loaded; a CUDA build's libraries weigh more);
* the model: weights, gradients, optimizer state and one step's activations (``core.planning.memory``,
  simulated; on a CPU with the allocator's measured overhead); for a frozen start the backbone's forward
  on one batch of views;
* the photos: their pixels when ``core.data.cache`` keeps them in RAM (by its own rule), none when they
  are on disk (the OS pages them in and out), or for a frozen start only the pooled features of every
  photo, as is and mirrored (25,000 x 2 x 1,280 floats = 256 MB for EfficientNet-Lite0): never pixels;
* reading them: the decoding threads' working memory and the batches in flight;
* knowing them: every photo's path, label, place in the split and cache key as Python objects.

scripts/scale_bench.py checks the sum against measured peaks at 2,500 and 25,000 photos.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from core.data.augment import cache_side
from core.data.cache import IN_RAM, pixel_bytes, where_pixels_go
from core.data.decode import decode_workers
from core.data.feature_store import DECODE_CHUNK
from core.planning.memory import available_bytes, estimate
from core.runs.layout import FROZEN, SCRATCH, Start
from core.utils.formatting import format_bytes
from core.utils.ram import process_rss

#: one decoding thread's working memory: a competition JPEG decoded in draft mode, converted and resized
#: (Pillow's buffers and the thread's malloc arena), measured by scripts/scale_bench.py
DECODE_THREAD_BYTES = 12 << 20
#: Python objects per photo (its Path, label, split record entry, feature-cache key): the measured peak grew by
#: this much per photo beyond its pixels or features between 2,500 and 25,000 photos
PER_PHOTO_BYTES = 3 << 10
#: the process before a model is built, where it cannot be measured (nothing loaded yet): CPU PyTorch,
#: torchvision and timm imported on Linux
RUNTIME_BYTES = 720 << 20


@dataclass(frozen=True)
class RunMemory:
    process: int  # the Python process with its libraries, before the run
    model: int  # weights, gradients, optimizer state, one step's activations (on the training device)
    photos: int  # pixels in RAM or the frozen features, in RAM whatever the device
    reading: int  # decoding threads, batches in flight and the photo list
    photos_what: str  # "features of 25,000 photos", "pixels of 1,760 photos in RAM", ...
    device_type: str = "cpu"
    process_what: str = "PyTorch"  # the window says "this window": it trains in its own process

    @property
    def ram(self) -> int:
        """What the process will hold in RAM at its peak (the model too on a CPU)."""
        return self.process + self.photos + self.reading + (self.model if self.device_type == "cpu" else 0)

    @property
    def new(self) -> int:
        """What the run adds to the process as it is now: the part that must fit in the RAM available."""
        return self.ram - self.process


def plan(arch: str, batch_size: int, image_size: int, n_photos: int, precision: str = "fp32",
         start: Start = SCRATCH, optimizer: str = "adamw", device_type: str = "cpu", budget_bytes: int | None = None,
         process: int | None = None, should_stop: Callable[[], bool] | None = None,
         process_what: str = "PyTorch") -> RunMemory:
    """The run's peak, part by part (the model's part simulated once and cached; raises Stopped if told to)."""
    model = estimate(arch, batch_size, image_size, precision, start, optimizer, should_stop).on_device(device_type)
    side, workers = cache_side(image_size), decode_workers()
    threads = workers * DECODE_THREAD_BYTES
    if start == FROZEN:
        photos = n_photos * 2 * model.feature_dim * 4
        what = f"features of {n_photos:,} photos"
        reading = threads + 2 * DECODE_CHUNK * pixel_bytes(1, side)  # a decoded chunk (and the next, on a GPU)
    else:
        where = where_pixels_go(n_photos, side, budget_bytes)
        photos = pixel_bytes(n_photos, side) if where == IN_RAM else 0
        what = f"pixels of {n_photos:,} photos {where}"
        reading = threads
    reading += n_photos * PER_PHOTO_BYTES
    if process is None:
        process = process_rss() or RUNTIME_BYTES
    return RunMemory(process, model.peak_bytes, photos, reading, what, device_type, process_what)


def breakdown(mem: RunMemory) -> str:
    """'PyTorch 720 MB, model 160 MB, features of 25,000 photos 250 MB, decoding 30 MB'."""
    parts = [f"{mem.process_what} {format_bytes(mem.process)}"]
    if mem.device_type == "cpu":
        parts.append(f"model {format_bytes(mem.model)}")
    parts.append(f"{mem.photos_what} {format_bytes(mem.photos)}" if mem.photos else mem.photos_what)
    parts.append(f"reading the photos {format_bytes(mem.reading)}")
    return ", ".join(parts)


def describe(mem: RunMemory, available: int | None, what: str = "RAM available", gpu_free: int | None = None,
             detail: bool = True) -> tuple[str, bool]:
    """('peak memory about 1.2 GB of 20.5 GB RAM available (PyTorch 720 MB, ...)', too_big)."""
    text = f"peak memory about {format_bytes(mem.ram)}"
    too_big = False
    if available is not None:
        text += f" of {format_bytes(mem.process + available)} {what}"
        too_big = mem.new > available
    if detail:
        text += f" ({breakdown(mem)})"
    if mem.device_type != "cpu":
        gpu = f"; on the GPU about {format_bytes(mem.model)}"
        if gpu_free is not None:
            gpu += f" of {format_bytes(gpu_free)} free"
            too_big = too_big or mem.model > gpu_free
        text += gpu
    if too_big:
        text += ": more than this computer has; lower the batch size or image size"
    return text, too_big


def on_this_computer(arch: str, batch_size: int, image_size: int, n_photos: int, start: Start = SCRATCH,
                     optimizer: str = "adamw", device: str = "auto", precision: str = "auto",
                     budget_bytes: int | None = None, should_stop: Callable[[], bool] | None = None,
                     process_what: str = "PyTorch", detail: bool = True) -> tuple[RunMemory, str, bool]:
    """(the run's parts, its line, too big) on the device it would train on: one rule for the CLI's line and the
    Train page's (``detail=False``: the parts left out of the line)."""
    from core.hardware import resolve_device, resolve_precision
    from core.utils.ram import available_ram

    dev = resolve_device(device)
    mem = plan(arch, batch_size, image_size, n_photos, resolve_precision(precision, dev), start, optimizer, dev.type,
               budget_bytes, should_stop=should_stop, process_what=process_what)
    gpu_free = available_bytes(device)[0] if dev.type == "cuda" else None
    text, too_big = describe(mem, available_ram(), "RAM available" if dev.type == "cpu" else "RAM", gpu_free,
                             detail)
    return mem, text, too_big


def for_config(cfg, n_photos: int) -> tuple[str, bool]:
    """The line for a validated TrainConfig, its parts included, and whether it will not fit."""
    import timm  # noqa: F401 - the process as it trains: every model library loaded before it is measured
    import torchvision  # noqa: F401

    _, text, too_big = on_this_computer(cfg.arch, cfg.batch_size, cfg.image_size, n_photos, cfg.start,
                                        cfg.optimizer, cfg.device, cfg.precision,
                                        None if cfg.cache_mb is None else cfg.cache_mb << 20)
    return text, too_big


def print_estimate(cfg, n_photos: int, out=None) -> None:
    """The CLI's line before training; a warning on stderr when the run will not fit."""
    text, too_big = for_config(cfg, n_photos)
    print(f"{'warning: ' if too_big else ''}{text}; simulated: {cfg.arch}, batch {cfg.batch_size}, "
          f"{cfg.image_size} px", file=sys.stderr if too_big else (out or sys.stdout), flush=True)
