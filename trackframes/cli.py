"""The ``trackframes`` command: ``demo``, ``sandbox``, ``export`` and ``sync``.

``trackframes demo`` starts the embedded sandbox, fetches Tasks, Shots,
Versions and TimeLogs into typed frames, prints a short overview and writes
Parquet files into ``./trackframes-demo/``. ``trackframes sandbox`` runs the
sandbox server in the foreground.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(Path(args.output), scale=args.scale, seed=args.seed, progress=False if args.quiet else None)


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox.serve import serve_forever

    if args.backend != "shotgrid":
        print(f"trackframes sandbox: backend {args.backend!r} is not available yet; use shotgrid.", file=sys.stderr)
        return 2
    serve_forever(port=args.port, scale=args.scale, seed=args.seed, script_key=args.script_key)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trackframes", description="Production-tracking data as typed DataFrames.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="sandbox -> typed frames -> overview + Parquet in ./trackframes-demo/")
    demo.add_argument("-o", "--output", default="trackframes-demo", help="output folder (default: %(default)s)")
    demo.add_argument("--scale", type=float, default=1.0, help="size of the generated production (default: 1)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the generated production (default: 0)")
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(func=_demo)

    sb = sub.add_parser("sandbox", help="run a local sandbox server in the foreground (127.0.0.1 only)")
    sb.add_argument("--backend", default="shotgrid", help="protocol to speak (default: %(default)s)")
    sb.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default: %(default)s)")
    sb.add_argument("--scale", type=float, default=1.0, help="size of the generated production (default: 1)")
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
    parser = build_parser()
    args = parser.parse_args(argv)
    from .exceptions import TrackframesError

    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except TrackframesError as exc:
        print(f"trackframes {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
