"""What the engine reports while it works: plain dataclasses passed to one callback.

The CLI prints them, the GUI adapter turns them into Qt signals; neither reaches into
the loop. Batch events are throttled by the engine (a few per second at most).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Preparing:
    message: str
    done: int = 0
    total: int = 0


@dataclass
class RunStarted:
    run_dir: str
    device: str
    num_train: int
    num_val: int
    classes: list[str]
    steps_per_epoch: int
    epochs: int
    start_epoch: int
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


@dataclass
class BatchEnd:
    epoch: int  # 1-based
    step: int  # 1-based within the epoch
    steps: int
    global_step: int
    total_steps: int
    loss: float
    acc: float
    lr: float
    images_per_s: float
    eta_s: float


@dataclass
class EpochEnd:
    epoch: int
    epochs: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    lr: float
    images_per_s: float
    seconds: float
    is_best: bool


@dataclass
class Finished:
    run_dir: str
    best_epoch: int | None
    best_val_acc: float | None
    stopped: bool  # True when the stop flag ended the run early (it can be resumed)
    calibration: dict | None = None  # of the best epoch: meta.json's "calibration" (core/calibration)


@dataclass
class Failed:
    run_dir: str | None
    message: str


Event = Preparing | RunStarted | BatchEnd | EpochEnd | Finished | Failed
