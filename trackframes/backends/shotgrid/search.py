"""Text search: ``POST /entity/_text_search`` → a frame of matches (type, id, name).

The endpoint matches ``text`` against the name of records of the entity types
asked for (each with optional filters) and pages its answer with
``links.next``. Filters are checked against the schema like ``find``'s and
always sent in the hash form (the endpoint wants one form for all types).

>>> import trackframes as tf
>>> with tf.sandbox.serve(scale=0.02, seed=1) as sb:
...     site = sb.connect(progress=False)
...     hits = site.search("Copper")
>>> hits[["type", "name"]].to_dict("records")
[{'type': 'Project', 'name': 'Copper Sky'}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ...arguments import check_limit
from ...exceptions import ServerError
from ...values import show
from .backend import HASH_FILTERS
from .resolve import check_entity

__all__ = ["DEFAULT_TYPES", "NAME_KEYS", "text_search"]

#: Entity types searched when none are given (those the site has).
DEFAULT_TYPES = ("Project", "Sequence", "Shot", "Asset", "Task", "Version", "HumanUser")
#: Attributes that hold a record's name, in order of preference.
NAME_KEYS = ("name", "code", "content", "title", "subject", "login", "description")
_PAGE = 100


def text_search(backend: Any, text: Any, entity_types: Any = None, *, limit: Any = 100) -> Any:
    """Matches of ``text`` as a DataFrame: ``type`` (category), ``id``, ``name``, then other attributes."""
    if not isinstance(text, str):
        raise TypeError(f"search text must be text such as 'sh010', not {show(text)}.")
    if not text.strip():
        raise ValueError("search text must not be empty; give part of a name, such as 'sh010'.")
    limit = check_limit(limit)
    types = _types(backend, entity_types)
    rows: list[dict[str, Any]] = []
    number = 1
    while limit is None or len(rows) < limit:
        size = _PAGE if limit is None else max(1, min(_PAGE, limit - len(rows)))
        body = {"text": text.strip(), "entity_types": types, "page": {"number": number, "size": size}}
        response = backend.request("POST", "/entity/_text_search", what=f"Searching for {text.strip()[:40]!r}",
                                   body=body, content_type=HASH_FILTERS)
        data, more = _page(response.content)
        rows.extend(_row(record) for record in data)
        if not more or not data:
            break
        number += 1
    frame = _frame(rows[:limit] if limit is not None else rows, list(types))
    frame.attrs["trackframes"] = {"text": text.strip(), "entity_types": list(types), "limit": limit}
    return frame


def _types(backend: Any, entity_types: Any) -> dict[str, Any]:
    entities = backend.entities()
    if entity_types is None:
        return {t: {"logical_operator": "and", "conditions": []} for t in DEFAULT_TYPES if t in entities}
    if isinstance(entity_types, str):
        entity_types = [entity_types]
    if isinstance(entity_types, Mapping):
        pairs = list(entity_types.items())
    elif hasattr(entity_types, "__iter__"):
        pairs = [(t, None) for t in entity_types]
    else:
        raise TypeError(f"entity_types must be a list of entity types or a dict of type → filters, "
                        f"not {show(entity_types)}.")
    if not pairs:
        raise ValueError("entity_types must name at least one entity type, such as ['Shot', 'Asset'].")
    out = {}
    for kind, filters in pairs:
        if not isinstance(kind, str):
            raise TypeError(f"entity_types must hold entity type names such as 'Shot', not {show(kind)}.")
        check_entity(kind, entities)
        out[kind] = backend.check_filters(kind, filters).native
    return out


def _page(content: bytes) -> tuple[list[dict[str, Any]], bool]:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        body = None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ServerError(f"Text search got an answer that is not a list of records (first bytes: "
                          f"{bytes(content[:80])!r}).")
    links = body.get("links") if isinstance(body.get("links"), dict) else {}
    return data, bool(links.get("next"))


def _row(record: dict[str, Any]) -> dict[str, Any]:
    attributes = record.get("attributes") if isinstance(record.get("attributes"), dict) else {}
    key = next((k for k in NAME_KEYS if k in attributes), None)
    if key is None and len(attributes) == 1:
        key = next(iter(attributes))
    row = {"type": record.get("type"), "id": record.get("id"), "name": attributes.get(key) if key else None}
    for name, value in attributes.items():
        if name != key and not isinstance(value, (dict, list)):
            row[name] = value
    return row


def _frame(rows: list[dict[str, Any]], types: list[str]) -> Any:
    import pandas as pd

    columns = list(dict.fromkeys(["type", "id", "name", *(k for r in rows for k in r)]))
    df = pd.DataFrame.from_records(rows, columns=columns)
    observed = [t for t in df["type"].dropna().astype(str).unique() if t not in types]
    df["type"] = pd.Categorical(df["type"].astype("object"), categories=[*types, *observed])
    df["id"] = df["id"].astype("Int64")
    df["name"] = df["name"].astype(pd.StringDtype())
    for column in columns[3:]:
        df[column] = df[column].convert_dtypes()
    return df
