"""The run's meta.json content: everything needed to rebuild, explain and compare the model."""

from __future__ import annotations

from core.data.augment import cache_side
from core.models.registry import get_arch
from core.runs import layout
from core.training.config import TrainConfig
from core.training.data import PlannedData, PreparedData
from core.utils.versions import library_versions


def run_meta(cfg: TrainConfig, data: PlannedData | PreparedData, device: str, history: list, best: dict,
             status: str, world_size: int = 1) -> dict:
    """``world_size``: how many processes trained the run (torchrun); --batch-size is per process.

    ``data`` is planned (the run folder's first meta.json, before any photo is decoded: every photo
    counts) or prepared (the readable ones, and the ones skipped).
    """
    spec = get_arch(cfg.arch)
    return {
        "arch": cfg.arch,
        "classes": data.classes,
        "num_classes": len(data.classes),
        "image_size": cfg.image_size,
        "resize": cache_side(cfg.image_size),
        "normalization": {"mean": list(spec.mean), "std": list(spec.std)},
        "start": cfg.start,
        "config": cfg.to_dict(),
        "data": {"root": str(data.index.root), "layout": data.index.layout,
                 "train_images": int(data.num_train), "val_images": int(data.num_val),
                 "per_class": data.index.counts(), "fingerprint": data.split["fingerprint"],
                 "corrections": data.split.get("corrections")},
        "skipped": [{"file": f, "reason": r} for f, r in data.skipped],
        "warnings": data.warnings,
        "device": device,
        "world_size": world_size,
        "epochs_done": len(history),
        "metrics": history,
        "best_epoch": best["epoch"],
        "best_val_acc": best["val_acc"],
        "calibration": best.get("calibration"),
        "status": status,
        "versions": library_versions(),
        "created": layout.now_iso(),
        "updated": layout.now_iso(),
    }
