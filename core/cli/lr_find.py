"""``catdog lr-find``: the learning-rate range test on DATA with the flags of ``catdog train``.

The train flags are ``catdog train``'s own parser, taken whole as a parent (core/cli/train.py is
their one home). Flags that shape a run but not its first steps are accepted and play no part:
--epochs, --lr, --schedule, --out, --name (nothing is written); --resume is refused.
"""

from __future__ import annotations

import argparse
import json
import sys

from core.cli.checks import positive_int
from core.cli.train import ConsoleReporter
from core.errors import InputError

CURVE_LINES = 10  # lines of the text curve
IGNORED_FLAGS = ("--epochs", "--lr", "--schedule", "--out", "--name")


def add_lr_find_parser(sub) -> None:
    from core.cli.train import add_train_parser
    from core.lr_find.range_test import DEFAULT_END_LR, DEFAULT_START_LR, DEFAULT_STEPS

    holder = argparse.ArgumentParser(add_help=False).add_subparsers()
    add_train_parser(holder)
    p = sub.add_parser("lr-find", parents=[holder.choices["train"]], add_help=False,
                       help="learning-rate range test: suggests an lr for these train flags; writes no run",
                       description="Train a fresh model for --steps steps at exponentially growing learning rates "
                                   "and suggest one (fastai's valley rule, else the steepest descent). Takes the "
                                   f"flags of catdog train; {', '.join(IGNORED_FLAGS)} play no part.")
    p.add_argument("--steps", type=positive_int, default=DEFAULT_STEPS, help=f"default {DEFAULT_STEPS}")
    p.add_argument("--start-lr", type=float, default=DEFAULT_START_LR, help=f"default {DEFAULT_START_LR:g}")
    p.add_argument("--end-lr", type=float, default=DEFAULT_END_LR, help=f"default {DEFAULT_END_LR:g}")
    p.add_argument("--plot", metavar="F.png", help="also draw the curve to this PNG")
    p.add_argument("--json", action="store_true", help='print {"suggested_lr", "rule", "lrs", "losses"} only')
    p.set_defaults(func=cmd_lr_find)


class LrReporter(ConsoleReporter):
    """The train command's console lines while reading photos, then one progress line for the steps."""

    def __call__(self, e) -> None:
        from core.lr_find.range_test import LrStep

        if isinstance(e, LrStep):
            self.progress.update("lr-find", e.step, e.steps, text=(
                f"lr-find step {e.step}/{e.steps}  lr {e.lr:.2e}  loss {e.loss:.4f}"), final=False)
        else:
            super().__call__(e)


def curve_lines(result, n: int = CURVE_LINES) -> list[str]:
    """About ``n`` lines ``lr -> loss`` spread over the curve, the suggestion's among them."""
    count = len(result.lrs)
    picks = sorted({round(k * (count - 1) / max(n - 1, 1)) for k in range(min(n, count))} | (
        {result.index} if result.index is not None else set()))
    return [f"  lr {result.lrs[i]:.2e} -> loss {result.losses[i]:.4f}" + ("   <- suggested" if i == result.index else "")
            for i in picks]


def cmd_lr_find(args: argparse.Namespace) -> int:
    from core.cli.checks import check_train_args
    from core.cli.train import FLAG_FIELDS
    from core.lr_find.plot import write_lr_plot
    from core.lr_find.range_test import check_range, find_lr
    from core.lr_find.rules import caution, describe_rule
    from core.runs.layout import START_LABELS
    from core.training.config import TrainConfig
    from core.utils.png import plot_target

    if args.resume:
        raise InputError("--resume: lr-find tests a fresh start; give DATA and the train flags of the run to plan")
    if not args.data:
        raise InputError("DATA is required: the folder of training photos")
    check_train_args(args)
    check_range(args.steps, args.start_lr, args.end_lr)
    if args.plot:
        plot_target(args.plot)
    given = {field: getattr(args, flag) for flag, field in FLAG_FIELDS.items() if getattr(args, flag) is not None}
    cfg = TrainConfig(**given).validate()
    reporter = LrReporter(stream=sys.stderr if args.json else sys.stdout)
    result = find_lr(cfg, args.steps, args.start_lr, args.end_lr, on_event=reporter)
    reporter.progress.clear()
    if args.plot:
        write_lr_plot(args.plot, result)
    if args.json:
        print(json.dumps(result.to_json()))
        return 0
    end = f"{len(result.lrs)} of {result.planned_steps} steps" + ("; the loss diverged" if result.diverged else "")
    print(f"{cfg.arch} from {START_LABELS[cfg.start]}, {result.num_train} training photos, {result.device}: {end} "
          f"in {result.seconds:.1f} s")
    for line in curve_lines(result):
        print(line)
    print(f"suggested lr {result.suggested_lr:.2e} ({describe_rule(result.rule)})")
    if caution(result.losses):
        print(f"caution: {caution(result.losses)}")
    if args.plot:
        print(f"plot: {args.plot}")
    return 0

