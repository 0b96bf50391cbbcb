"""``_trackframes.json``: what a dataset holds, where it came from, and how far it is synced.

The file sits in the dataset root (readers of Parquet datasets skip names
starting with ``_``). It holds the site URL (without any user info, query or
fragment), the backend, entity, filters and fields of the export, the
trackframes version, the Arrow schema (IPC-serialized, base64) with the field
specs that restore categories, the partition keys, the list of files, the
fetch times and the sync **watermark**. It never holds credentials: only the
URL and the query are taken from the connection.
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import orjson
import pyarrow as pa

from ..exceptions import QueryError, SchemaError
from ..schema import FieldKind, FieldSpec
from .atomic import METADATA_FILE

__all__ = ["FORMAT", "FORMAT_VERSION", "read_metadata", "write_metadata", "schema_to_json", "schema_from_json",
           "specs_to_json", "specs_from_json", "clean_url", "check_same_site", "check_compatible", "iso",
           "parse_iso"]

FORMAT = "trackframes-dataset"
FORMAT_VERSION = 1
_SPEC_KEYS = ("name", "kind", "data_type", "display_name", "entity", "valid_types", "valid_values")


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The ``_trackframes.json`` of the dataset at ``path``, as a dict.

    Raises ``FileNotFoundError`` when ``path`` holds no trackframes dataset.
    """
    path = Path(path)
    file = path / METADATA_FILE
    if not file.is_file():
        what = "does not exist" if not path.exists() else f"has no {METADATA_FILE}"
        raise FileNotFoundError(f"{path} {what}: it is not a dataset written by trackframes export.")
    meta = orjson.loads(file.read_bytes())
    if meta.get("format") != FORMAT:
        raise FileNotFoundError(f"{file} is not trackframes dataset metadata.")
    if int(meta.get("format_version", 0)) > FORMAT_VERSION:
        raise SchemaError(f"{path} was written by a newer trackframes ({meta.get('trackframes_version')}); "
                          "upgrade trackframes to read or sync it.")
    return meta


def write_metadata(root: Path, meta: Mapping[str, Any]) -> None:
    (Path(root) / METADATA_FILE).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))


# -- schema and specs -----------------------------------------------------------------

def schema_to_json(schema: pa.Schema) -> str:
    """An Arrow schema as base64 of its IPC form (restored exactly by :func:`schema_from_json`)."""
    return base64.b64encode(schema.remove_metadata().serialize().to_pybytes()).decode("ascii")


def schema_from_json(text: str) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


def specs_to_json(specs: Sequence[FieldSpec]) -> list[dict[str, Any]]:
    out = []
    for spec in specs:
        data = asdict(spec)
        item = {k: data[k] for k in _SPEC_KEYS}
        item["kind"] = spec.kind.value
        item["valid_types"] = list(spec.valid_types)
        item["valid_values"] = list(spec.valid_values)
        out.append(item)
    return out


def specs_from_json(items: Sequence[Mapping[str, Any]]) -> list[FieldSpec]:
    return [FieldSpec(name=i["name"], kind=FieldKind(i["kind"]), data_type=i["data_type"],
                      display_name=i.get("display_name", ""), entity=i.get("entity", ""),
                      valid_types=tuple(i.get("valid_types", ())), valid_values=tuple(i.get("valid_values", ())))
            for i in items]


# -- identity and compatibility -----------------------------------------------------------

def clean_url(url: str) -> str:
    """The site URL without user info, query or fragment; host in lower case, no trailing slash."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/"), "", ""))


def check_same_site(meta: Mapping[str, Any], url: str, backend: str, path: Path,
                    entity: str | None = None) -> None:
    """``QueryError`` unless the dataset was exported from this site, backend (and entity)."""
    if clean_url(url) != meta.get("site") or backend != meta.get("backend"):
        raise QueryError(f"{path} was exported from {meta.get('backend')} site {meta.get('site')}, not from "
                         f"{backend} site {clean_url(url)}; sync it with a connection to that site, or export "
                         "again to start over.", url=clean_url(url))
    if entity is not None and entity != meta.get("entity"):
        raise QueryError(f"{path} holds {meta.get('entity')} records, not {entity}.")


def check_compatible(old: pa.Schema, new: pa.Schema, path: Path) -> bool:
    """True when ``new`` only adds columns to ``old``; ``SchemaError`` when a column went or changed type.

    Returns whether the schemas differ at all (added columns or another order).
    """
    gone = [f.name for f in old if f.name not in new.names]
    changed = [(f.name, f.type, new.field(f.name).type) for f in old
               if f.name in new.names and new.field(f.name).type != f.type]
    if gone or changed:
        problems = [f"column {name!r} no longer exists" for name in gone]
        problems += [f"column {name!r} was {was} and is now {now}" for name, was, now in changed]
        raise SchemaError(f"The site's schema changed incompatibly since {path} was exported: "
                          f"{'; '.join(problems)}. Export again to start over.",
                          name=(gone or [changed[0][0]])[0])
    return not old.equals(new)


# -- times ------------------------------------------------------------------------------

def iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with microseconds and ``Z`` (``None`` stays ``None``)."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
