"""The ``catdog`` command line: the app's jobs, headless.

Each sub-command parses its flags here and calls into core; user errors (InputError)
become one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

from core.errors import InputError


def build_parser() -> argparse.ArgumentParser:
    """Every sub-command, in the order ``catdog --help`` lists them; nothing here loads torch."""
    from core.cli.archs import add_archs_parser
    from core.cli.bench import add_bench_parser
    from core.cli.check import add_check_parser
    from core.cli.doctor import add_doctor_parser
    from core.cli.eval import add_eval_parser
    from core.cli.explain import add_explain_parser
    from core.cli.explore import add_explore_parser
    from core.cli.export import add_export_parser
    from core.cli.features import add_features_parser
    from core.cli.lr_find import add_lr_find_parser
    from core.cli.predict import add_predict_parser
    from core.cli.runs import add_runs_parsers
    from core.cli.train import add_train_parser

    parser = argparse.ArgumentParser(prog="catdog", description="CatDog Studio: learn CNNs on cats vs dogs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (add_archs_parser, add_train_parser, add_lr_find_parser, add_predict_parser, add_eval_parser, add_explain_parser,
                add_export_parser, add_bench_parser, add_explore_parser, add_runs_parsers, add_check_parser,
                add_doctor_parser, add_features_parser):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse exits 2 with a one-line usage error
    if sys.stdout is sys.__stdout__ and callable(getattr(sys.stdout, "reconfigure", None)):  # the console, not a capture
        sys.stdout.reconfigure(errors="surrogateescape")  # a name that is not UTF-8 prints as its bytes, as ls does
    try:
        return args.func(args)
    except InputError as exc:
        print(f"catdog {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"catdog {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `catdog runs | head` closed the pipe: nothing more to say, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141
    except Exception as exc:  # a failure, not a usage error: one line unless debugging
        if os.environ.get("CATDOG_DEBUG"):
            raise
        from core.failures import describe_failure

        print(f"catdog {args.command}: failed: {describe_failure(exc)} (CATDOG_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
