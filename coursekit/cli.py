"""The ``coursekit`` command.

Thin by design: each subcommand lives in the module that owns the feature and
registers itself here through a ``register(subparsers)`` function.  The CLI never
holds model or grading logic of its own.
"""
from __future__ import annotations

import argparse
import importlib
import sys

#: Modules that contribute subcommands, in the order they appear in ``--help``.
#: Each must define ``register(subparsers)``; a module that is not present yet is
#: skipped so the command keeps working while the course grows.
SUBCOMMAND_MODULES = (
    "coursekit._cli_simulate",  # simulate / models
    "coursekit.course.schedule_cli",  # schedule / lookup
    "coursekit.course.grading_cli",  # course release / collect / autograde / ...
)


def build_parser() -> argparse.ArgumentParser:
    from coursekit import __version__

    parser = argparse.ArgumentParser(
        prog="coursekit",
        description="coursekit: a computational-neuroscience course kit (models, lectures, grading).",
    )
    parser.add_argument("--version", action="version", version=f"coursekit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # the feature module does not exist yet
                continue
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    if argv is None and getattr(args, "pin_arithmetic", False):
        # grading: restart with numpy's and the BLAS's kernels held at one level, so that a grade is the same
        # on every machine (coursekit.course.grading.arithmetic); returns at once where nothing is to be held
        from coursekit.course.grading.arithmetic import reexec_pinned

        reexec_pinned(sys.argv[1:])
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        print(f"coursekit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `coursekit schedule | head`: the reader went away, which is fine
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
