"""Everything that defines a training run; saved whole in meta.json and used by --resume.

The defaults are tuned so that a learner who only picks an architecture, an image size and
a number of epochs gets a good run: AdamW, one-cycle learning rate, label smoothing, random
resized crops and flips (resnet18 at 128 px from scratch, 20 epochs, 1,760 competition
photos with 20% held out: 87-91% in under four minutes on a 2-core laptop CPU). Starting
from ImageNet (``weights="imagenet"``, ``freeze=True``) does far better in far less time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from core.data.augment_choices import AUGMENTS, DEFAULT_AUGMENT
from core.errors import InputError
from core.runs.layout import FROZEN, Start, start_mode

OPTIMIZERS = ("adamw", "adam", "sgd")
#: a new user's first run in the window: the fastest road to a good model on any hardware
NEW_USER_ARCH, NEW_USER_START = "efficientnet_lite0", FROZEN
SCHEDULES = ("onecycle", "cosine", "constant")
#: why a frozen start refuses --augment/--mixup/--cutmix (the window turns them off: gui.pages.train.form)
FROZEN_AUGMENT = ("--augment, --mixup and --cutmix do not apply with --freeze: a frozen backbone's head trains on "
                  "features of the centre crop and its mirror, computed once per photo; leave them out")
#: a field's annotation -> the types a recorded value may have, and how a person says it
_TYPES = {"int": ((int,), "a whole number"), "float": ((int, float), "a number"), "str": ((str,), "a string"),
          "bool": ((bool,), "true or false"), "None": ((type(None),), "null")}


@dataclass
class TrainConfig:
    data: str = ""
    arch: str = "resnet18"
    weights: str = "none"  # "imagenet": start from the ImageNet weights; "none": from scratch
    freeze: bool = False  # with imagenet weights: train only a new head on the frozen backbone's features
    epochs: int = 10
    batch_size: int = 32
    lr: float = 1e-3
    optimizer: str = "adamw"
    weight_decay: float | None = None  # None: 0.05 for adamw, 5e-4 for sgd, 0 for adam
    schedule: str = "onecycle"
    warmup_epochs: float = 1.0  # for "cosine"; one-cycle warms up over its first 25%
    label_smoothing: float = 0.1
    image_size: int | None = None  # None: the architecture's own (224; 240/260 for EfficientNet-Lite1/2)
    val_split: float = 0.2
    val_dir: str | None = None
    corrections: str | None = None  # a corrections file (core.data.corrections); None: DATA's own, when present
    use_corrections: bool = True  # False (--no-corrections): train on the folder's names as they are
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"
    out: str = "weights"
    name: str | None = None
    cache_mb: int | None = None  # pixel cache budget in RAM; beyond it, a disk cache
    head_epochs: int = 1  # fine-tuning (imagenet, not frozen): epochs that train the new head alone first
    backbone_lr_scale: float = 0.1  # fine-tuning: the pretrained layers learn at this fraction of --lr
    schedule_from_epoch: int = 0  # where the learning-rate schedule starts: > 0 after "train N more epochs"
    augment: str = DEFAULT_AUGMENT  # core.data.augment_choices.AUGMENTS; a frozen start has its own (centre and mirror)
    mixup: float = 0.0  # MixUp's Beta alpha (0: off; 0.2 is the usual)
    cutmix: float = 0.0  # CutMix's Beta alpha (0: off; 1.0 is the usual); both on: one of them per batch

    @property
    def start(self) -> Start:
        """How the run begins (core.runs.layout.START_MODES)."""
        return start_mode(self.weights, self.freeze)

    def validate(self) -> TrainConfig:
        """Check every setting (naming the flag) and fill in the architecture's default image size."""
        from core.models.registry import ARCHS, WEIGHTS

        if self.arch not in ARCHS:
            raise InputError(f"--arch {self.arch}: unknown; choose one of {', '.join(ARCHS)}")
        if self.image_size is None:
            self.image_size = ARCHS[self.arch].image_size
        checks = [
            (self.epochs >= 1, "--epochs must be at least 1"),
            (self.batch_size >= 1, "--batch-size must be at least 1"),
            (self.lr > 0, "--lr must be positive"),
            (16 <= self.image_size <= 1024, "--image-size must be between 16 and 1024"),
            (0 < self.val_split < 1 or self.val_dir, "--val-split must be between 0 and 1 (exclusive)"),
            (self.optimizer in OPTIMIZERS, f"--optimizer must be one of {', '.join(OPTIMIZERS)}"),
            (self.schedule in SCHEDULES, f"--schedule must be one of {', '.join(SCHEDULES)}"),
            (0 <= self.label_smoothing < 1, "--label-smoothing must be in [0, 1)"),
            (self.weight_decay is None or self.weight_decay >= 0, "--weight-decay must not be negative"),
            (self.weights in WEIGHTS, f"--weights must be one of {', '.join(WEIGHTS)}"),
            (not self.freeze or self.weights == "imagenet",
             "--freeze needs --weights imagenet: a frozen random backbone has nothing to give"),
            (self.use_corrections or not self.corrections, "--corrections and --no-corrections: give one of them"),
            (self.head_epochs >= 0, "head_epochs must not be negative"),
            (0 < self.backbone_lr_scale <= 1, "backbone_lr_scale must be in (0, 1]"),
            (self.augment in AUGMENTS, f"--augment {self.augment}: choose one of {', '.join(AUGMENTS)}"),
            (0 <= self.mixup <= 10, f"--mixup {self.mixup}: must be 0 (off) or a Beta alpha up to 10 (0.2 is usual)"),
            (0 <= self.cutmix <= 10, f"--cutmix {self.cutmix}: must be 0 (off) or a Beta alpha up to 10 (1.0 is usual)"),
            (not self.freeze or (self.augment, self.mixup, self.cutmix) == (DEFAULT_AUGMENT, 0, 0), FROZEN_AUGMENT),
        ]
        for ok, message in checks:
            if not ok:
                raise InputError(message)
        if self.weights == "imagenet" and not ARCHS[self.arch].has_pretrained:
            raise InputError(f"--weights imagenet: {self.arch} has no ImageNet weights; train it from scratch "
                             "or choose efficientnet_lite0")
        return self

    @property
    def effective_weight_decay(self) -> float:
        if self.weight_decay is not None:
            return self.weight_decay
        return {"adamw": 0.05, "sgd": 5e-4}.get(self.optimizer, 0.0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        d = dict(d)
        if d.pop("pretrained", False):  # runs written before --weights existed
            d.setdefault("weights", "imagenet")
        return cls(**{k: v for k, v in d.items() if k in known})

    @classmethod
    def from_record(cls, d: object, where: str) -> TrainConfig:
        """A config read back from a file (a checkpoint), every field's type and value checked.

        A damaged value is an InputError starting with ``where`` and naming the field, not a
        TypeError deep in the training.
        """
        if not isinstance(d, dict):
            raise InputError(f'{where}: "config" must be the run\'s settings, not a {type(d).__name__}')
        for f in fields(cls):
            if f.name not in d:
                continue
            kinds = [_TYPES[name] for name in str(f.type).split(" | ")]
            value = d[f.name]
            ok = any(isinstance(value, t) for types, _ in kinds for t in types)
            if not ok or (isinstance(value, bool) and f.type != "bool"):
                raise InputError(f'{where}: "config.{f.name}" is {str(repr(value))[:60]}, not '
                                 f'{" or ".join(word for _, word in kinds)}')
        try:
            return cls.from_dict(d).validate()
        except InputError as exc:
            raise InputError(f'{where}: "config" holds an impossible setting ({exc})') from None
