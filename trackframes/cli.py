"""The ``trackframes`` command: ``demo``, ``sandbox``, ``export`` and ``sync``.

``trackframes demo`` starts the embedded sandbox, reads the canonical tasks
and time-log frames (and the records its backend adds, such as shots and
versions), prints a short overview and writes Parquet files into
``./trackframes-demo/``. ``trackframes sandbox`` runs the
sandbox server in the foreground.

A failure ends with one line on stderr (``trackframes demo: ...``) and exit
status 1 (2 for a bad argument, from ``argparse``); ``trackframes --debug
COMMAND`` or ``TRACKFRAMES_DEBUG=1`` shows the traceback instead.

>>> import contextlib, io
>>> err = io.StringIO()
>>> with contextlib.redirect_stderr(err):
...     status = main(["demo", "-o", __file__])           # a file where a folder is needed
>>> status, len(err.getvalue().splitlines()), err.getvalue().startswith("trackframes demo: ")
(1, 1, True)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .cli_support import CommandError, port_number, positive_float, report_failure

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise CommandError(f"{output} is a file; the demo writes several files into a folder: "
                           "give -o a folder (new or existing)")
    return run_demo(output, scale=args.scale, seed=args.seed, progress=False if args.quiet else None)


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox.launcher import BACKENDS, PortInUseError, free_port, serve_forever

    if args.backend not in BACKENDS:
        raise CommandError(f"backend {args.backend!r} is not available yet; available: {', '.join(BACKENDS)}")
    options = {} if args.script_key is None else {"script_key": args.script_key}  # only sandboxes with a script key
    try:
        serve_forever(args.backend, port=args.port, scale=args.scale, seed=args.seed, **options)
    except PortInUseError as exc:
        raise CommandError(f"port {exc.port} on {exc.host} is already in use (another sandbox or program); "
                           f"run with --port {free_port(exc.host, near=exc.port + 1)}, or --port 0 for any "
                           "free port") from None
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trackframes", description="Production-tracking data as typed DataFrames.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of a failure (also: TRACKFRAMES_DEBUG=1)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="sandbox -> typed frames -> overview + Parquet in ./trackframes-demo/")
    demo.add_argument("-o", "--output", default="trackframes-demo", help="output folder (default: %(default)s)")
    demo.add_argument("--scale", type=positive_float, default=1.0, help="size of the generated production (default: 1)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the generated production (default: 0)")
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(func=_demo)

    sb = sub.add_parser("sandbox", help="run a local sandbox server in the foreground (127.0.0.1 only)")
    sb.add_argument("--backend", default="shotgrid", help="protocol to speak (default: %(default)s)")
    sb.add_argument("--port", type=port_number, default=8765,
                    help="port on 127.0.0.1, 0 for any free one (default: %(default)s)")
    sb.add_argument("--scale", type=positive_float, default=1.0, help="size of the generated production (default: 1)")
    sb.add_argument("--seed", type=int, default=0, help="seed of the generated production (default: 0)")
    sb.add_argument("--script-key", default=None, help="API script key to accept (default: a random one, printed)")
    sb.set_defaults(func=_sandbox)

    from .export_cli import add_export_parsers

    add_export_parsers(sub)
    return parser


def _version() -> str:
    from ._version import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``trackframes`` command line; returns the exit status.

    Bad arguments exit with status 2 (``argparse``'s usage line and one error
    line); failures print one line and return 1; Ctrl-C returns 130.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"trackframes {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the command-line boundary: one line, no traceback unless --debug
        return report_failure(args.command, exc, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
