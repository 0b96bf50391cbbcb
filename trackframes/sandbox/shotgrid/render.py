"""Entity records in the REST API's JSON:API form.

A record renders as ``{"id", "type", "attributes", "relationships", "links"}``:
entity, multi_entity and addressing fields go to ``relationships`` (links carry
``{"id", "name", "type"}`` with the name resolved at read time), every other
field to ``attributes``; password values show as ``"*******"``. A dotted field
(``entity.Shot.sg_sequence``) keeps its dotted name and goes where the field it
reaches belongs.

How a relationship value is shaped depends on the ``relationship_shape`` knob:

``"spec"``
    as in the reference's examples: records in list/search responses carry the
    bare link (or list of links); a single-record response wraps it as
    ``{"data": ..., "links": {"self": ".../relationships/<field>", "related": ...}}``.
``"wrapped"``
    always the ``data``/``links`` form.
``"bare"``
    always the bare link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .model import FieldDef, Store
from .names import EntityNames

__all__ = ["Column", "Renderer", "LINK_TYPES", "PASSWORD_MASK"]

LINK_TYPES = frozenset({"entity", "multi_entity", "addressing"})
PASSWORD_MASK = "*******"
_SKIP = frozenset({"id", "type"})
_FLOATS = frozenset({"float", "currency"})


@dataclass(frozen=True)
class Column:
    """One requested field and how to render it."""

    name: str
    data_type: str
    dotted: bool

    @property
    def is_link(self) -> bool:
        return self.data_type in LINK_TYPES


class Renderer:
    """Renders records of one store for one URL prefix (``/api/v1.1`` or ``/api/v1``).

    ``field_spec`` returns the ``FieldDef`` a (possibly dotted) field reaches and
    ``resolve`` the stored value of a dotted field for a record; both come from
    the query module.
    """

    def __init__(self, store: Store, names: EntityNames, prefix: str,
                 field_spec: Callable[[Store, str, str], FieldDef],
                 resolve: Callable[[Store, str, dict[str, Any], str], Any]) -> None:
        self.store = store
        self.names = names
        self.prefix = prefix
        self._field_spec = field_spec
        self._resolve = resolve

    # -- urls ----------------------------------------------------------------
    def record_url(self, entity: str, record_id: int) -> str:
        return f"{self.prefix}/entity/{self.names.plural(entity)}/{record_id}"

    def relationship_url(self, entity: str, record_id: int, field: str) -> str:
        return f"{self.record_url(entity, record_id)}/relationships/{field}"

    # -- columns -------------------------------------------------------------
    def columns(self, entity: str, fields: list[str]) -> list[Column]:
        """Rendering plan for the requested fields (already validated and expanded)."""
        edef = self.store.entities[entity]
        out = []
        for name in fields:
            if name in _SKIP:
                continue
            fdef = edef.fields.get(name)
            if fdef is not None:
                out.append(Column(name, fdef.data_type, False))
            else:
                out.append(Column(name, self._field_spec(self.store, entity, name).data_type, True))
        return out

    # -- values ----------------------------------------------------------------
    def link_value(self, value: Any, memo: dict[tuple[str, int], dict[str, Any]] | None = None) -> Any:
        """Stored link(s) → ``{"id", "name", "type"}`` (or a list of them).

        ``memo`` shares the rendered links of one response (names are looked up once).
        """
        if value is None:
            return None
        if memo is None:
            memo = {}
        if isinstance(value, list):
            return [self._link(v, memo) for v in value if v is not None]
        return self._link(value, memo)

    def _link(self, ref: dict[str, Any], memo: dict[tuple[str, int], dict[str, Any]]) -> dict[str, Any]:
        key = (ref["type"], ref["id"])
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = {"id": ref["id"], "name": self.store.display_name(ref["type"], ref["id"]),
                               "type": ref["type"]}
        return hit

    def wrap(self, entity: str, record_id: int, field: str, value: Any) -> dict[str, Any]:
        """The ``{"data", "links"}`` form of a relationship value."""
        links = {"self": self.relationship_url(entity, record_id, field)}
        if isinstance(value, dict) and value.get("type") and value.get("id") is not None:
            links["related"] = self.record_url(value["type"], value["id"])
        return {"data": value, "links": links}

    def record(self, entity: str, rec: dict[str, Any], columns: list[Column], *, wrapped: bool,
               memo: dict[tuple[str, int], dict[str, Any]] | None = None) -> dict[str, Any]:
        """One record; ``wrapped`` selects the ``{"data", "links"}`` relationship form."""
        if memo is None:
            memo = {}
        attributes: dict[str, Any] = {}
        relationships: dict[str, Any] = {}
        rid = rec["id"]
        resolve, store, link = self._resolve, self.store, self._link
        for col in columns:
            value = resolve(store, entity, rec, col.name) if col.dotted else rec.get(col.name)
            kind = col.data_type
            if kind == "entity":
                if isinstance(value, dict):
                    value = link(value, memo)
                elif value:  # a dotted field through a multi-entity hop reaches several links
                    value = [link(v, memo) for v in value if v]
                else:
                    value = None
                relationships[col.name] = self.wrap(entity, rid, col.name, value) if wrapped else value
            elif kind in LINK_TYPES:
                value = [link(v, memo) for v in value if v is not None] if value else []
                relationships[col.name] = self.wrap(entity, rid, col.name, value) if wrapped else value
            elif kind == "password":
                attributes[col.name] = None if value is None else PASSWORD_MASK
            elif kind in _FLOATS and isinstance(value, int) and not isinstance(value, bool):
                attributes[col.name] = float(value)
            else:
                attributes[col.name] = value
        return {
            "id": rid,
            "type": entity,
            "attributes": attributes,
            "relationships": relationships,
            "links": {"self": self.record_url(entity, rid)},
        }

    def records(self, entity: str, recs: list[dict[str, Any]], columns: list[Column], shape: str) -> list[dict[str, Any]]:
        """Records of a list/search page (bare links unless the shape is ``"wrapped"``)."""
        wrapped = shape == "wrapped"
        memo: dict[tuple[str, int], dict[str, Any]] = {}
        return [self.record(entity, rec, columns, wrapped=wrapped, memo=memo) for rec in recs]

    def single(self, entity: str, rec: dict[str, Any], columns: list[Column], shape: str) -> dict[str, Any]:
        """A single-record response body (wrapped links unless the shape is ``"bare"``)."""
        data = self.record(entity, rec, columns, wrapped=shape != "bare")
        return {"data": data, "links": {"self": data["links"]["self"]}}
