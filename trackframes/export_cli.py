"""The ``trackframes export`` and ``trackframes sync`` commands.

::

    trackframes export --entity Task --fields content,due_date,project \\
        --filter "due_date greater_than 2026-01-01" --partition-by project.name -o out/tasks
    trackframes sync out/tasks --quiet          # from cron

The site comes from the ``TRACKFRAMES_*`` environment variables (as for
``tf.connect()``; ``--url`` overrides ``TRACKFRAMES_URL``) or, with
``--sandbox``, from an embedded sandbox. That sandbox listens on a free port
(so it never collides with ``trackframes sandbox`` on 8765) unless
``--sandbox-port`` asks for one; ``sync --sandbox`` reuses the port the dataset
was exported from, since the site URL must match. Progress bars show on a
terminal; ``--quiet`` prints nothing but errors. Failures exit with status 1
and a one-line message on stderr.

:func:`add_export_parsers` registers both commands on the ``trackframes``
argument parser.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any, Iterator

from .cli_support import CommandError, port_number, positive_float, report_failure

__all__ = ["add_export_parsers", "parse_filter", "run_export", "run_sync", "sandbox_port"]

_FILTER_HELP = ("a condition, repeatable (all must hold): 'FIELD RELATION VALUE' with VALUE read as JSON when "
                "it parses (100, null, [\"ip\",\"rev\"]) and as text otherwise, or a JSON condition or filter "
                "group such as '{\"logical_operator\": \"or\", \"conditions\": [...]}'")


def add_export_parsers(subparsers: Any) -> None:
    """Add the ``export`` and ``sync`` subcommands to an ``argparse`` subparsers object."""
    from .io.writer import COMPRESSIONS

    exp = subparsers.add_parser(
        "export", help="stream records into a Parquet dataset, atomically",
        description="Stream records of one entity type into a Parquet dataset directory (written aside, "
                    "swapped in when complete). See docs/export.md.")
    exp.add_argument("-e", "--entity", required=True, help="entity type, e.g. Task")
    exp.add_argument("-f", "--fields", action="append", metavar="FIELDS",
                     help="comma-separated field names, repeatable (default: all fields)")
    exp.add_argument("--filter", action="append", dest="filters", metavar="CONDITION", help=_FILTER_HELP)
    exp.add_argument("-o", "--output", required=True, help="dataset directory to write")
    exp.add_argument("-p", "--partition-by", action="append", metavar="KEY",
                     help="Hive partition key, repeatable: a column (project.name) or COLUMN:PERIOD "
                          "(updated_at:month; periods year, month, week, day)")
    exp.add_argument("--compression", default="zstd", choices=COMPRESSIONS, help="Parquet codec (default: zstd)")
    exp.add_argument("--include-archived-projects", action="store_true",
                     help="also export records of archived projects")
    exp.add_argument("--overwrite", action="store_true",
                     help="replace a dataset of another query at the output path")
    _connection_arguments(exp)
    exp.set_defaults(func=run_export)

    syn = subparsers.add_parser(
        "sync", help="bring an exported dataset up to date",
        description="Fetch what changed since the dataset's watermark, drop retired records, swap the "
                    "updated dataset in atomically. See docs/export.md.")
    syn.add_argument("path", help="dataset directory written by 'trackframes export'")
    syn.add_argument("--overlap", type=float, default=None, metavar="SECONDS",
                     help="look this far before the watermark again (default: 300)")
    syn.add_argument("-e", "--entity", default=None, help="fail unless the dataset holds this entity type")
    _connection_arguments(syn)
    syn.set_defaults(func=run_sync)


def _connection_arguments(parser: argparse.ArgumentParser) -> None:
    from .backends import registry

    parser.add_argument("--url", default=None, help="site URL (default: TRACKFRAMES_URL)")
    parser.add_argument("--backend", default=None, choices=registry.names(available=True),
                        help="the site's tracker (default: TRACKFRAMES_BACKEND, else shotgrid); the credential "
                             "comes from TRACKFRAMES_* variables (see docs/auth.md)")
    parser.add_argument("--sandbox", action="store_true",
                        help="use an embedded sandbox instead of a real site (127.0.0.1 only)")
    parser.add_argument("--sandbox-scale", type=positive_float, default=0.1,
                        help="sandbox size (default: %(default)s)")
    parser.add_argument("--sandbox-seed", type=int, default=0, help="sandbox seed (default: %(default)s)")
    parser.add_argument("--sandbox-port", type=port_number, default=None,
                        help="sandbox port (default: export picks a free one; sync reuses the dataset's)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary (for cron)")


def parse_filter(text: str) -> Any:
    """One ``--filter`` value → a filter condition (or group)."""
    text = text.strip()
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValueError(f"--filter {text!r} is not valid JSON: {exc}") from None
    parts = text.split(None, 2)
    if len(parts) != 3:
        raise ValueError(f"--filter {text!r}: write 'FIELD RELATION VALUE', e.g. 'content contains anim'.")
    field, relation, raw = parts
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return [field, relation, value]


def sandbox_port(args: argparse.Namespace) -> int:
    """The embedded sandbox's port: ``--sandbox-port``, else for ``sync`` the dataset's, else 0 (a free one)."""
    if args.sandbox_port is not None:
        return int(args.sandbox_port)
    if getattr(args, "path", None) is not None:  # sync: the site URL must match the export's
        from urllib.parse import urlsplit

        from .io.metadata import read_metadata

        try:
            site = urlsplit(str(read_metadata(args.path).get("site") or ""))
        except (OSError, ValueError):
            return 0  # sync reports what is wrong with the path itself
        if site.hostname in ("127.0.0.1", "localhost") and site.port:
            return int(site.port)
    return 0


@contextlib.contextmanager
def _site(args: argparse.Namespace, progress: bool) -> Iterator[Any]:
    import trackframes as tf

    if args.sandbox:
        port = sandbox_port(args)
        try:
            sb = tf.sandbox.serve(scale=args.sandbox_scale, seed=args.sandbox_seed, port=port)
        except tf.sandbox.PortInUseError as exc:
            asked = "--sandbox-port" if args.sandbox_port is not None else "the dataset's sandbox port"
            raise CommandError(f"port {exc.port} on {exc.host} ({asked}) is already in use, perhaps by "
                               "'trackframes sandbox'; stop it, or choose another port with --sandbox-port "
                               "(a dataset syncs only against the port it was exported from)") from None
        with sb, sb.connect(progress=progress) as site:
            yield site
    else:
        with tf.connect(args.url, backend=args.backend, progress=progress) as site:
            yield site


def _progress(args: argparse.Namespace) -> bool:
    return not args.quiet and sys.stderr.isatty()


def run_export(args: argparse.Namespace) -> int:
    """``trackframes export``; returns the exit status."""
    def work() -> Any:
        from .io import export

        fields = None
        if args.fields:
            fields = [f.strip() for chunk in args.fields for f in chunk.split(",") if f.strip()]
        filters = [parse_filter(f) for f in args.filters or []]
        with _site(args, _progress(args)) as site:
            return export(site, args.entity, args.output, filters=filters, fields=fields,
                          partition_by=args.partition_by, compression=args.compression,
                          progress=_progress(args), include_archived_projects=args.include_archived_projects,
                          overwrite=args.overwrite)

    return _run("export", args, work)


def run_sync(args: argparse.Namespace) -> int:
    """``trackframes sync``; returns the exit status."""
    def work() -> Any:
        from pathlib import Path

        from .io import sync
        from .io.atomic import backups
        from .io.metadata import read_metadata

        if not Path(args.path).exists() and not backups(Path(args.path)):
            read_metadata(args.path)  # fail before connecting: the path is not a dataset
        with _site(args, _progress(args)) as site:
            return sync(site, args.path, progress=_progress(args), overlap=args.overlap, entity=args.entity)

    return _run("sync", args, work)


def _run(command: str, args: argparse.Namespace, work: Any) -> int:
    try:
        result = work()
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # one line on stderr, no traceback unless --debug (see cli_support)
        return report_failure(command, exc, args)
    if not args.quiet:
        verb = "exported" if command == "export" else "synced"
        print(f"{verb} {result}")
    return 0
