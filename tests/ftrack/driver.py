"""Drive the real ``ftrack_api`` client for the tests, as a subprocess of its own venv.

Run it with the python that ``scripts/ftrack-venv.sh`` prints; it imports only the
standard library and ``ftrack_api`` (never trackframes, whose dependencies the
pinned client clashes with). It reads one JSON job on stdin and writes one JSON
report on stdout::

    PY=$(bash scripts/ftrack-venv.sh)
    echo '{"server_url": "http://127.0.0.1:8123", "api_user": "jane", "api_key": "...",
           "steps": [{"query": "select id, name from Project", "page_size": 1}]}' \
        | "$PY" tests/ftrack/driver.py

Job keys:

- ``server_url``, ``api_user``, ``api_key``: passed to ``ftrack_api.Session``. The
  key travels on stdin only (never argv) and is never written out. Only loopback
  servers (127.0.0.1, localhost, ::1) are accepted.
- ``session`` (optional): ``strict_api`` (false), ``auto_populate`` (true),
  ``timeout`` (30 s), ``schema_cache_path`` (false: no disk cache; a folder path
  turns ftrack_api's own cache on). The event hub is never connected and no
  plugin path is searched, so nothing leaves the machine.
- ``record_requests`` (optional, false): capture the operation batches the client
  POSTs during each step (from ftrack_api's debug log), reported as ``sent``.
  Off by default because debug logging slows the client down.
- ``steps``: a list, each one of

  - ``{"query": expr, "page_size": 500, "mode": "all"|"one"|"first", "read": [paths],
    "output": "records"|"count"}``: ``session.query(expr, page_size)`` then
    ``.all()``, ``.one()`` or ``.first()``. ``read`` reads dotted attribute paths
    on every result *with* auto-population (missing values are fetched the way
    a user's code would fetch them); ``output: "count"`` reports only how many.
  - ``{"get": [entity_type, id]}``: ``session.get``.
  - ``{"attr": [entity_type, id, [paths]]}``: ``session.get`` then read each path
    with auto-population.
  - ``{"call": [operations...]}``: ``session.call`` (the strict API's way, e.g. a
    ``group by`` query), result returned decoded.

Report: ``{"session": {"ok", "error"?, "server_information"?, "types"?, "sent"?},
"steps": [{"ok": true, "result": ..., "seconds": s, "sent"?: [...]} |
{"ok": false, "error": {"type", "module", "message"}, "seconds": s, "sent"?: [...]}]}``.
Entities become ``{"entity_type": T, <attribute>: value, ...}`` holding every
attribute the session has a value for (nothing is fetched to build them);
references nest the same way, collections become lists, key/value collections
(``custom_attributes``, ``metadata``) become objects, datetimes ISO 8601 strings.
A step's error does not stop the next step; the exit status is 0 unless the job
itself is unusable (2).
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import sys
import time
import traceback
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class JobError(ValueError):
    """The job on stdin cannot be run (bad JSON, missing keys, non-loopback server)."""


def _error(exc: BaseException) -> Dict[str, str]:
    return {"type": type(exc).__name__, "module": type(exc).__module__, "message": str(exc)}


class RequestRecorder(logging.Handler):
    """Collects the JSON batches ``Session.call`` logs at debug level before POSTing."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.batches: List[Any] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.msg
        template = getattr(msg, "message", None)  # ftrack_api's LazyLogMessage
        if isinstance(template, str) and template.startswith("Calling server"):
            try:
                self.batches.append(json.loads(msg.args[1]))
            except (IndexError, TypeError, ValueError):
                self.batches.append(None)

    def take(self) -> List[Any]:
        """Return the batches recorded since the last call and forget them."""
        out, self.batches = self.batches, []
        return out


class Converter:
    """Turns ftrack_api values into JSON-ready plain data without triggering any fetch."""

    def __init__(self) -> None:
        import ftrack_api.collection as collection
        import ftrack_api.entity.base as base
        import ftrack_api.symbol as symbol

        self.Entity = base.Entity
        self.Collection = collection.Collection
        self.KeyValueProxy = collection.KeyValueMappedCollectionProxy
        self.MappedProxy = collection.MappedCollectionProxy
        self.NOT_SET = symbol.NOT_SET
        try:
            import arrow
            self.Arrow: Optional[type] = arrow.Arrow
        except ImportError:  # pragma: no cover - ftrack_api depends on arrow
            self.Arrow = None

    def value(self, value: Any, path: tuple = ()) -> Any:
        """Plain-data form of *value*; *path* holds the entities being converted (cycles)."""
        if value is self.NOT_SET:
            return None
        if isinstance(value, self.Entity):
            return self.entity(value, path)
        if isinstance(value, self.KeyValueProxy):
            return self.key_values(value, path)
        if isinstance(value, self.MappedProxy):
            return [self.value(item, path) for item in value.collection]
        if isinstance(value, (self.Collection, list, tuple)):
            return [self.value(item, path) for item in value]
        if isinstance(value, dict):
            return {str(k): self.value(v, path) for k, v in value.items()}
        if self.Arrow is not None and isinstance(value, self.Arrow):
            return value.isoformat()
        if isinstance(value, (datetime.datetime, datetime.date)):
            return value.isoformat()
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        return str(value)

    def _local_or_remote(self, attribute: Any, entity: Any) -> Any:
        value = attribute.get_local_value(entity)
        if value is self.NOT_SET:
            value = attribute.get_remote_value(entity)
        return value

    def entity(self, entity: Any, path: tuple = ()) -> Dict[str, Any]:
        """Every attribute the session holds a value for; an entity already on *path* is
        given by its primary key only."""
        key = (entity.entity_type, id(entity))
        out: Dict[str, Any] = {"entity_type": entity.entity_type}
        if key in path:
            for name in entity.primary_key_attributes:
                attribute = entity.attributes.get(name)
                if attribute is not None:
                    out[name] = self.value(self._local_or_remote(attribute, entity), path)
            return out
        inner = path + (key,)
        for attribute in sorted(entity.attributes, key=lambda a: a.name):
            value = self._local_or_remote(attribute, entity)
            if value is not self.NOT_SET:
                out[attribute.name] = self.value(value, inner)
        return out

    def key_values(self, proxy: Any, path: tuple) -> Dict[str, Any]:
        """A key/value collection (custom attributes, metadata) as ``{key: value}``."""
        out: Dict[str, Any] = {}
        for item in proxy.collection:
            attrs = item.attributes
            key_attr = attrs.get(proxy.key_attribute)
            value_attr = attrs.get(proxy.value_attribute)
            if key_attr is None or value_attr is None:
                continue
            key = self._local_or_remote(key_attr, item)
            if key is self.NOT_SET:
                continue
            out[str(key)] = self.value(self._local_or_remote(value_attr, item), path)
        return out


def read_path(entity: Any, dotted: str) -> Any:
    """Follow *dotted* (``"parent.name"``) from *entity* with normal item access, which
    auto-populates missing values exactly as user code does. A null link yields None."""
    value = entity
    for part in dotted.split("."):
        if value is None:
            return None
        value = value[part]
    return value


def check_job(job: Any) -> Dict[str, Any]:
    """Validate the job's shape; raise :class:`JobError` naming what is wrong."""
    if not isinstance(job, dict):
        raise JobError("the job must be a JSON object")
    missing = [k for k in ("server_url", "api_user", "api_key") if not job.get(k)]
    if missing:
        raise JobError(f"the job lacks {', '.join(missing)}")
    host = urlsplit(str(job["server_url"])).hostname or ""
    if host not in LOOPBACK:
        raise JobError(f"server_url host {host!r} is not loopback; this driver only talks to "
                       f"{', '.join(sorted(LOOPBACK))}")
    steps = job.get("steps", [])
    if not isinstance(steps, list):
        raise JobError("steps must be a list")
    known = ("query", "get", "attr", "call")
    for i, step in enumerate(steps):
        kinds = [k for k in known if isinstance(step, dict) and k in step]
        if len(kinds) != 1:
            raise JobError(f"step {i} must have exactly one of {', '.join(known)}: {step!r}")
    return job


def _keep_offline(server_url: str) -> None:
    # requests honours *_PROXY variables; a loopback server must never go through one.
    host = urlsplit(server_url).hostname or "127.0.0.1"
    for name in ("NO_PROXY", "no_proxy"):
        current = [h for h in os.environ.get(name, "").split(",") if h]
        os.environ[name] = ",".join(current + [h for h in (host, "127.0.0.1", "localhost")
                                               if h not in current])


def run_step(session: Any, step: Dict[str, Any], convert: Converter) -> Any:
    """Run one step and return its plain-data result (exceptions propagate)."""
    if "query" in step:
        result = session.query(step["query"], page_size=int(step.get("page_size", 500)))
        mode = step.get("mode", "all")
        if mode == "all":
            items = result.all()
        elif mode == "one":
            items = [result.one()]
        elif mode == "first":
            first = result.first()
            items = [] if first is None else [first]
        else:
            raise JobError(f"mode {mode!r} is not one of all, one, first")
        reads = step.get("read") or []
        read_values = [{p: convert.value(read_path(e, p)) for p in reads} for e in items]
        if step.get("output", "records") == "count":
            return {"count": len(items)}
        records = [convert.entity(e) for e in items]
        for record, values in zip(records, read_values):
            if reads:
                record["read"] = values
        if mode == "all":
            return records
        return records[0] if records else None
    if "get" in step:
        entity_type, entity_id = step["get"]
        entity = session.get(entity_type, entity_id)
        return None if entity is None else convert.entity(entity)
    if "attr" in step:
        entity_type, entity_id, paths = step["attr"]
        entity = session.get(entity_type, entity_id)
        if entity is None:
            return None
        return {p: convert.value(read_path(entity, p)) for p in paths}
    return convert.value(session.call(step["call"]))


def run(job: Dict[str, Any]) -> Dict[str, Any]:
    """Construct the session, run every step, close; return the report."""
    _keep_offline(job["server_url"])
    recorder = RequestRecorder() if job.get("record_requests") else None
    if recorder is not None:
        call_logger = logging.getLogger("ftrack_api.session.Session")
        call_logger.setLevel(logging.DEBUG)
        call_logger.propagate = False
        call_logger.addHandler(recorder)

    import ftrack_api

    opts = job.get("session") or {}
    report: Dict[str, Any] = {"steps": []}
    try:
        session = ftrack_api.Session(
            server_url=job["server_url"],
            api_key=job["api_key"],
            api_user=job["api_user"],
            auto_connect_event_hub=False,
            plugin_paths=[],
            schema_cache_path=opts.get("schema_cache_path", False),
            auto_populate=bool(opts.get("auto_populate", True)),
            strict_api=bool(opts.get("strict_api", False)),
            timeout=float(opts.get("timeout", 30)),
        )
    except Exception as exc:  # the report carries it
        report["session"] = {"ok": False, "error": _error(exc)}
        if recorder is not None:
            report["session"]["sent"] = recorder.take()
        return report

    convert = Converter()
    report["session"] = {
        "ok": True,
        "version": ftrack_api.__version__,
        "server_information": convert.value(session.server_information),
        "types": sorted(session.types),
    }
    if recorder is not None:
        report["session"]["sent"] = recorder.take()
    try:
        for step in job.get("steps", []):
            started = time.perf_counter()
            try:
                entry: Dict[str, Any] = {"ok": True, "result": run_step(session, step, convert)}
            except Exception as exc:  # one failing step must not hide the others
                entry = {"ok": False, "error": _error(exc)}
                if step.get("traceback"):
                    entry["traceback"] = traceback.format_exc()
            entry["seconds"] = round(time.perf_counter() - started, 6)
            if recorder is not None:
                entry["sent"] = recorder.take()
            report["steps"].append(entry)
    finally:
        session.close()
    return report


def main(stdin: Any = None, stdout: Any = None) -> int:
    """Entry point: job from *stdin*, report to *stdout*; 2 when the job is unusable."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    try:
        job = check_job(json.load(stdin))
    except (JobError, ValueError) as exc:
        json.dump({"job_error": str(exc)}, stdout)
        stdout.write("\n")
        return 2
    # ftrack_api logs every server error with a traceback on its own loggers; the
    # report already carries the error, so keep stderr for real crashes.
    logging.getLogger("ftrack_api").addHandler(logging.NullHandler())
    logging.getLogger("ftrack_api").propagate = False
    json.dump(run(job), stdout, sort_keys=True)
    stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
