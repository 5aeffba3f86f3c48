"""The ``paintmatch`` command line: one module per command under ``paintmatch.commands``."""

from __future__ import annotations

import argparse
import errno
import importlib
import importlib.util
import logging
import sys

from paintmatch import __version__
from paintmatch.commands import COMMANDS
from paintmatch.errors import PaintmatchError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with one subcommand per entry of ``COMMANDS``."""
    parser = argparse.ArgumentParser(
        prog="paintmatch",
        description="Color anime line-art cuts from one colored frame by component matching.",
    )
    parser.add_argument("--version", action="version", version=f"paintmatch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        if importlib.util.find_spec(module_name) is None:  # a command still under construction
            continue
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module = importlib.import_module(module_name)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_module=module_name)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI. Returns the exit code: 0 ok, 2 bad input, 1 internal failure."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if getattr(args, "quiet", False) else logging.INFO,
        format="%(message)s",
    )
    module = importlib.import_module(args._module)
    try:
        return int(module.run(args) or 0)
    except PaintmatchError as error:
        print(f"paintmatch {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:  # output piped into `head` and the like: not an error of ours
        sys.stderr.close()
        return 0
    except OSError as error:
        if error.errno not in _MACHINE_ERRNOS:
            return _internal(args.command, error)
        # The machine's, not ours (read-only, full disk, no permission): name the path and the cause.
        from paintmatch.io import os_error_message

        print(f"paintmatch {args.command}: error: {os_error_message(error.filename or '(unknown path)', error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"paintmatch {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # an internal failure: say so plainly, keep the traceback for bug reports
        return _internal(args.command, error)


_MACHINE_ERRNOS = {errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM}
"""OSError numbers that are the machine's fault (exit 2 with the path and the cause), not a bug of ours."""


def _internal(command: str, error: BaseException) -> int:
    logging.getLogger("paintmatch").debug("internal failure", exc_info=True)
    print(
        f"paintmatch {command}: internal error: {type(error).__name__}: {error}\n"
        "This is a bug in paintmatch; please report it with the command you ran.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
