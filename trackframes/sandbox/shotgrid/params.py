"""Request parameters: the query string (``filter[...]``, ``fields``, ``sort``,
``page[...]``, ``options[...]``) and the JSON bodies of ``_search``/``_summarize``.

The rules, where the reference leaves room (also in ``docs/sandbox.md``):

* ``filter[<field>]=<value>`` is an ``is`` condition; a comma in the value makes it
  ``in`` with the comma-separated values (so a text value cannot contain a comma).
  Values are coerced by the data type of the field they filter, dotted fields
  included. Link fields take ``Type:id`` (``filter[project]=Project:12``), a bare
  id when the field has one valid type (``filter[project]=12``), or a dotted path
  to the id (``filter[project.Project.id]=12``).
* Query-string parameters win over the same settings in a ``_search`` body, so the
  ``links`` of a search page (which carry ``page[...]``) can be followed with the
  same body.
* Unknown query parameters are ignored and kept in the ``links``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, urlencode

import orjson

from .model import FieldDef
from .names import EntityNames
from .problems import bad_request

__all__ = ["QueryString", "PageRequest", "Options", "coerce_value", "parse_bool", "parse_int",
           "split_list", "apply_option", "json_body", "body_filters", "body_page", "body_options",
           "body_list", "DEFAULT_PAGE_SIZE", "ARRAY_TYPE", "HASH_TYPE"]

DEFAULT_PAGE_SIZE = 500
_BRACKET = re.compile(r"^(\w+)\[([^\]]*)\]$")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
_INT_TYPES = {"number", "duration", "timecode", "percent"}
_FLOAT_TYPES = {"float", "currency"}
_LINK_TYPES = {"entity", "multi_entity", "addressing"}


def parse_bool(value: Any, param: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise bad_request(f"{param} must be true or false, not {value!r}", param)


def parse_int(value: Any, param: str, minimum: int | None = None) -> int:
    if isinstance(value, bool):
        raise bad_request(f"{param} must be an integer, not {value!r}", param)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        number = int(value)
    else:
        raise bad_request(f"{param} must be an integer, not {value!r}", param)
    if minimum is not None and number < minimum:
        raise bad_request(f"{param} must be >= {minimum}, not {number}", param)
    return number


def split_list(value: Any, param: str) -> list[str]:
    """``"a, b,-c"`` or ``["a", "b"]`` → ``["a", "b", "-c"]``."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise bad_request(f"{param} must be a comma-separated string or a list of strings", param)


def coerce_value(fdef: FieldDef, raw: str, param: str, names: EntityNames) -> Any:
    """A query-string filter value in the stored form of the field's data type."""
    dt = fdef.data_type
    text = raw.strip()
    if dt in _INT_TYPES:
        return parse_int(text, param)
    if dt in _FLOAT_TYPES:
        try:
            return float(text)
        except ValueError:
            raise bad_request(f"{param} must be a number, not {raw!r}", param) from None
    if dt == "checkbox":
        return parse_bool(text, param)
    if dt in _LINK_TYPES:
        kind, sep, rid = text.partition(":")
        if sep:
            entity = names.resolve(kind.strip())
            if entity is None:
                raise bad_request(f"{param}: unknown entity type {kind!r}", param)
            return {"type": entity, "id": parse_int(rid, param)}
        if len(fdef.valid_types) == 1:
            return {"type": fdef.valid_types[0], "id": parse_int(text, param)}
        raise bad_request(f"{param} takes Type:id (one of {', '.join(fdef.valid_types)}), not {raw!r}", param)
    if dt in ("password", "serializable", "url", "image"):
        raise bad_request(f"filtering on {dt} fields is not supported ({param})", param)
    return raw


@dataclass
class PageRequest:
    number: int = 1
    size: int = DEFAULT_PAGE_SIZE


@dataclass
class Options:
    return_only: str = "active"
    include_archived_projects: bool = False
    tz_offset_hours: int = 0

    @property
    def retired(self) -> bool:
        return self.return_only == "retired"


def apply_option(options: Options, key: str, value: Any) -> None:
    """Set one ``options[...]`` entry, validating its value."""
    if key == "return_only":
        if value not in ("active", "retired"):
            raise bad_request(f"options[return_only] must be active or retired, not {value!r}",
                              "options[return_only]")
        options.return_only = value
    elif key == "include_archived_projects":
        options.include_archived_projects = parse_bool(value, "options[include_archived_projects]")
    elif key == "local_timezone_offset":
        options.tz_offset_hours = parse_int(value, "local_timezone_offset")
        if not -12 <= options.tz_offset_hours <= 14:
            raise bad_request("local_timezone_offset must be between -12 and 14", "local_timezone_offset")
    # other options (fields, ...) are not ours to judge


@dataclass
class QueryString:
    """The parsed query string of one request, in its original order."""

    pairs: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, query: str) -> "QueryString":
        try:
            return cls(parse_qsl(query, keep_blank_values=True, strict_parsing=False, errors="strict"))
        except UnicodeDecodeError:
            raise bad_request("the query string is not valid UTF-8") from None

    def get(self, name: str) -> str | None:
        for key, value in self.pairs:
            if key == name:
                return value
        return None

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.pairs)

    def bracketed(self, group: str) -> list[tuple[str, str]]:
        """``[(inner, value)]`` for every ``group[inner]=value`` parameter."""
        out = []
        for key, value in self.pairs:
            m = _BRACKET.match(key)
            if m and m.group(1) == group:
                out.append((m.group(2), value))
        return out

    # -- typed accessors ------------------------------------------------------
    def fields(self) -> list[str] | None:
        raw = self.get("fields")
        return None if raw is None else split_list(raw, "fields")

    def sort(self) -> list[str] | None:
        raw = self.get("sort")
        return None if raw is None else split_list(raw, "sort")

    def page(self, into: PageRequest | None = None) -> PageRequest:
        page = into or PageRequest()
        for key, value in self.bracketed("page"):
            if key == "number":
                page.number = parse_int(value, "page[number]", 1)
            elif key == "size":
                page.size = parse_int(value, "page[size]", 1)
            else:
                raise bad_request(f"unknown page parameter page[{key}]", f"page[{key}]")
        return page

    def options(self, into: Options | None = None) -> Options:
        options = into or Options()
        for key, value in self.bracketed("options"):
            apply_option(options, key, value)
        tz = self.get("local_timezone_offset")
        if tz is not None:
            apply_option(options, "local_timezone_offset", tz)
        return options

    def filters(self, spec: Callable[[str], FieldDef], names: EntityNames) -> list[list[Any]]:
        """The ``filter[...]`` parameters as ShotGrid conditions."""
        conditions: list[list[Any]] = []
        for name, raw in self.bracketed("filter"):
            param = f"filter[{name}]"
            if not name:
                raise bad_request("filter[] needs a field name", "filter")
            fdef = spec(name)
            parts = [p for p in raw.split(",")] if "," in raw else None
            if parts is None:
                conditions.append([name, "is", coerce_value(fdef, raw, param, names)])
            else:
                values = [coerce_value(fdef, p, param, names) for p in parts if p.strip()]
                conditions.append([name, "in", values])
        return conditions

    def url(self, path: str, page: PageRequest | None = None) -> str:
        """``path`` with this query string; page parameters first when ``page`` is given."""
        pairs = self.pairs
        if page is not None:
            pairs = [("page[number]", str(page.number)), ("page[size]", str(page.size))] + [
                (k, v) for k, v in pairs if k not in ("page[number]", "page[size]")]
        return f"{path}?{urlencode(pairs)}" if pairs else path

    @staticmethod
    def sorted_url(path: str, params: Iterable[tuple[str, str]]) -> str:
        pairs = sorted(params)
        return f"{path}?{urlencode(pairs)}" if pairs else path


# -- JSON bodies --------------------------------------------------------------------------

ARRAY_TYPE = "application/vnd+shotgun.api3_array+json"
HASH_TYPE = "application/vnd+shotgun.api3_hash+json"
_JSON_TYPES = ("application/json", ARRAY_TYPE, HASH_TYPE, "")


def json_body(content_type: str, body: bytes) -> dict[str, Any]:
    """The JSON object of a request body (``{}`` when empty); 400 for anything else."""
    if content_type not in _JSON_TYPES:
        raise bad_request(f"Unsupported Content-Type {content_type!r}; send application/json, "
                          f"{ARRAY_TYPE} or {HASH_TYPE}", "Content-Type")
    if not body.strip():
        return {}
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"Malformed JSON body: {exc}", "body", "body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise bad_request("The JSON body must be an object", "body", "body is not an object")
    return parsed


def body_filters(content_type: str, filters: Any, param: str = "filters") -> Any:
    """Filters from a body, checked against the array/hash content types.

    ``application/vnd+shotgun.api3_array+json`` requires an array of conditions,
    ``application/vnd+shotgun.api3_hash+json`` a ``{logical_operator, conditions}``
    hash; plain ``application/json`` takes either. Missing filters match everything.
    """
    if filters is None:
        filters = []
    is_hash = isinstance(filters, dict)
    if not is_hash and not isinstance(filters, list):
        raise bad_request(f"{param} must be an array of conditions or a hash "
                          "{logical_operator, conditions}", param)
    if content_type == ARRAY_TYPE and is_hash:
        raise bad_request(f"Content-Type {ARRAY_TYPE} requires array filters", param)
    if content_type == HASH_TYPE and not is_hash:
        raise bad_request(f"Content-Type {HASH_TYPE} requires hash filters "
                          "{logical_operator, conditions}", param)
    return filters


def body_page(raw: Any) -> PageRequest:
    """``{"number", "size"}`` of a body → :class:`PageRequest` (defaults when absent)."""
    page = PageRequest()
    if raw is None:
        return page
    if not isinstance(raw, dict):
        raise bad_request("page must be an object {number, size}", "page")
    if raw.get("number") is not None:
        page.number = parse_int(raw["number"], "page[number]", 1)
    if raw.get("size") is not None:
        page.size = parse_int(raw["size"], "page[size]", 1)
    return page


def body_options(raw: Any) -> Options:
    """The ``options`` object of a body → :class:`Options`."""
    options = Options()
    if raw is None:
        return options
    if not isinstance(raw, dict):
        raise bad_request("options must be an object", "options")
    for key, value in raw.items():
        apply_option(options, key, value)
    return options


def body_list(body: dict[str, Any], query: QueryString, name: str) -> list[str] | None:
    """``fields``/``sort`` from the query string if given there, else from the body."""
    if query.has(name):
        return split_list(query.get(name), name)
    raw = body.get(name)
    return None if raw is None else split_list(raw, name)
