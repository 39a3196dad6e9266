"""``catdog bench``: training and prediction images/s of some architectures on this machine."""

from __future__ import annotations

import argparse

from core.cli.checks import positive_int
from core.hardware import DEVICES, PRECISIONS


def _cmd_bench(args: argparse.Namespace) -> int:
    from core.models.registry import get_arch
    from core.training.bench import bench_arch

    archs = args.arch or ["lenet", "resnet18", "resnet50", "efficientnet_lite0"]
    for a in archs:
        get_arch(a)
    print(f"{'arch':<18} {'size':>5} {'batch':>5}  {'train img/s':>11}  {'predict img/s':>13}  "
          f"{'epoch of 20k':>12}  device")
    for a in archs:
        r = bench_arch(a, args.image_size, args.batch_size, args.steps, device=args.device, precision=args.precision)
        epoch_min = 20_000 / r.train_images_per_s / 60  # the competition's 25,000 photos less a 20% split
        print(f"{r.arch:<18} {r.image_size:>5} {r.batch_size:>5}  {r.train_images_per_s:>11.1f}  "
              f"{r.predict_images_per_s:>13.1f}  {epoch_min:>9.1f} min  {r.device}", flush=True)
    return 0


def add_bench_parser(sub) -> None:
    from core.models.registry import ARCHS

    p = sub.add_parser("bench", help="training and prediction images/s on this machine")
    p.add_argument("--arch", action="append", choices=list(ARCHS), metavar="ARCH",
                   help="repeat for several (default lenet, resnet18, resnet50, efficientnet_lite0)")
    p.add_argument("--image-size", type=positive_int, default=224)
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--steps", type=positive_int, default=5)
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--precision", choices=PRECISIONS, default="auto")
    p.set_defaults(func=_cmd_bench)
