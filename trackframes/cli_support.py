"""Argument types and failure messages shared by the ``trackframes`` subcommands.

Every subcommand ends a failure with one line on stderr, ``trackframes
COMMAND: what went wrong``, and a non-zero exit status; tracebacks are shown
only with ``--debug`` or ``TRACKFRAMES_DEBUG=1``.

>>> positive_float("0.5")
0.5
>>> positive_float("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be a number above 0, got '0'
>>> port_number("70000")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be a port number from 0 to 65535 (0 picks a free one), got '70000'
>>> one_line(FileExistsError(17, "File exists", "out"))
'out: File exists'
"""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["CommandError", "debug_enabled", "one_line", "port_number", "positive_float",
           "report_failure"]


class CommandError(Exception):
    """A failure the command explains itself (its message is printed as is)."""


def positive_float(text: str) -> float:
    """``argparse`` type: a number above 0 (sizes such as ``--scale``)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number above 0, got {text!r}")
    return value


def port_number(text: str) -> int:
    """``argparse`` type: a TCP port, 0 to 65535 (0 picks a free one)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535 (0 picks a free one), got {text!r}")
    return value


def _expected_errors() -> tuple[type[BaseException], ...]:
    """What a command reports as a plain message; anything else is a bug."""
    from .exceptions import TrackframesError

    return (CommandError, TrackframesError, OSError, ValueError, ImportError)


def debug_enabled(args: argparse.Namespace | None = None) -> bool:
    """``--debug`` was given or ``TRACKFRAMES_DEBUG`` is set to something other than ``0``/empty."""
    return bool(getattr(args, "debug", False)) or os.environ.get("TRACKFRAMES_DEBUG", "") not in ("", "0")


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line (``OSError``: ``path: reason``)."""
    if isinstance(exc, OSError) and exc.strerror and type(exc).__str__ is OSError.__str__:
        text = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def report_failure(command: str, exc: BaseException, args: argparse.Namespace | None = None) -> int:
    """Print ``trackframes COMMAND: message`` on stderr and return the exit status (1).

    Unexpected errors (bugs) name their type and how to get the traceback;
    with :func:`debug_enabled` the exception is raised again instead.
    """
    if debug_enabled(args):
        raise exc
    if isinstance(exc, _expected_errors()):
        message = one_line(exc)
    else:
        message = (f"unexpected {type(exc).__name__}: {one_line(exc)} (a bug in trackframes; run again with "
                   "--debug or TRACKFRAMES_DEBUG=1 to see the traceback)")
    print(f"trackframes {command}: {message}", file=sys.stderr)
    return 1

