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
from .errors import CorruptDatasetError, NotADatasetError

__all__ = ["FORMAT", "FORMAT_VERSION", "read_metadata", "write_metadata", "schema_to_json", "schema_from_json",
           "specs_to_json", "specs_from_json", "clean_url", "check_same_site", "check_compatible", "listed_files", "query_identity",
           "query_differences", "iso", "parse_iso"]

FORMAT = "trackframes-dataset"
FORMAT_VERSION = 1
_SPEC_KEYS = ("name", "kind", "data_type", "display_name", "entity", "valid_types", "valid_values")


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The ``_trackframes.json`` of the dataset at ``path``, as a dict, checked.

    Raises:
        NotADatasetError: ``path`` holds no ``_trackframes.json`` (it is not a dataset written by export).
        CorruptDatasetError: the file is not valid JSON, not trackframes metadata, or lacks or garbles a key.
        SchemaError: the dataset was written by a newer trackframes.
    """
    path = Path(path)
    file = path / METADATA_FILE
    if not file.is_file():
        if not path.exists():
            what = "does not exist"
        elif not path.is_dir():
            what = "is a file"
        else:
            what = f"has no {METADATA_FILE}"
        raise NotADatasetError(f"{path} {what}: it is not a dataset written by trackframes export.", path=path)
    try:
        meta = orjson.loads(file.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise _corrupt(path, f"is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _corrupt(path, f"is not trackframes dataset metadata (no \"format\": \"{FORMAT}\")")
    try:
        version = int(meta.get("format_version", 0))
    except (TypeError, ValueError):
        raise _corrupt(path, f"has a format_version that is not a number ({meta.get('format_version')!r})") from None
    if version > FORMAT_VERSION:
        raise SchemaError(f"{path} was written by a newer trackframes ({meta.get('trackframes_version')}); "
                          "upgrade trackframes to read or sync it.")
    _check_keys(meta, path)
    return meta


_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "site": str, "backend": str, "entity": str, "filters": (dict, list), "fields": list, "all_fields": bool,
    "include_archived_projects": bool, "partition_by": list, "compression": str, "arrow_schema": str,
    "field_specs": list, "watermark": str, "fetched_at": str, "files": list, "rows": int,
}


def _check_keys(meta: Mapping[str, Any], path: Path) -> None:
    """``CorruptDatasetError`` naming the first key that is missing, of the wrong type, or undecodable."""
    for key, kind in _REQUIRED.items():
        if key not in meta:
            raise _corrupt(path, f"has no {key!r}")
        if not isinstance(meta[key], kind):
            raise _corrupt(path, f"has a {key!r} of the wrong kind ({type(meta[key]).__name__})")
    decoders: dict[str, Any] = {
        "arrow_schema": schema_from_json,
        "field_specs": specs_from_json,
        "watermark": parse_iso,
        "fetched_at": parse_iso,
        "partition_by": lambda keys: [(k["column"], k.get("period")) for k in keys],
        "files": lambda files: [(str(f["path"]), int(f["rows"]), int(f["bytes"])) for f in files],
    }
    for key, decode in decoders.items():
        try:
            decode(meta[key])
        except Exception as exc:  # noqa: BLE001 - whatever is wrong inside, the key is unreadable
            raise _corrupt(path, f"has an unreadable {key!r} ({type(exc).__name__}: {exc})") from None


def listed_files(path: Path, meta: Mapping[str, Any]) -> list[str]:
    """The data files ``meta`` lists, as paths under ``path``; ``CorruptDatasetError`` when one is missing."""
    files = [str(Path(path) / f["path"]) for f in meta["files"]]
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        more = f" ({len(missing) - 1} more are missing too)" if len(missing) > 1 else ""
        raise CorruptDatasetError(f"{missing[0]} is missing: {path} lists it in {METADATA_FILE} but it is not there"
                                  f"{more}; the dataset is damaged. Export it again to rebuild it.", path=path,
                                  file=missing[0])
    return files


def _corrupt(path: Path, what: str) -> CorruptDatasetError:
    file = path / METADATA_FILE
    return CorruptDatasetError(f"The dataset metadata {file} {what}: the dataset {path} cannot be read or synced. "
                               "Export it again to rebuild it.", path=path, file=file)


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


def query_identity(meta: Mapping[str, Any]) -> dict[str, Any]:
    """What a dataset holds, from its metadata: site, backend, entity, filters, fields, partitions, archived.

    Two exports of the same query have the same identity, even when the site's schema grew in between
    (``fields`` is ``"*"`` for a dataset of all fields).
    """
    keys = []
    for key in meta.get("partition_by") or []:
        keys.append(key["column"] if not key.get("period") else f"{key['column']}:{key['period']}")
    return {
        "site": meta.get("site"),
        "backend": meta.get("backend"),
        "entity": meta.get("entity"),
        "filters": meta.get("filters"),
        "fields": "*" if meta.get("all_fields") else list(meta.get("fields") or []),
        "partition_by": keys,
        "include_archived_projects": bool(meta.get("include_archived_projects")),
    }


def query_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """How two :func:`query_identity` values differ, one readable phrase per difference (empty: the same)."""
    out = []
    for name in ("site", "backend", "entity", "filters", "fields", "partition_by", "include_archived_projects"):
        was, now = old.get(name), new.get(name)
        if was == now:
            continue
        if name == "fields" and isinstance(was, list) and isinstance(now, list):
            added = [f for f in now if f not in was]
            dropped = [f for f in was if f not in now]
            parts = ([f"adds {', '.join(map(repr, added))}"] if added else []) + \
                    ([f"drops {', '.join(map(repr, dropped))}"] if dropped else [])
            out.append(f"fields: {'; '.join(parts) if parts else 'the same fields in another order'}")
        else:
            out.append(f"{name}: {_show(name, was)} -> {_show(name, now)}")
    return out


def _show(name: str, value: Any) -> str:
    if name == "fields" and value == "*":
        return "all fields"
    if name == "partition_by" and not value:
        return "none"
    if name == "filters":
        conditions = value.get("conditions") if isinstance(value, Mapping) else value
        if not conditions:
            return "none"
    return orjson.dumps(value).decode() if isinstance(value, (list, dict)) else repr(value)


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
