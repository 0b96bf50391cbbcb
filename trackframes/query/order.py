"""Order keys: ``order=`` parsed once from the public forms.

Accepted: a list of field names with an optional leading ``-`` for descending
(``["-due_date", "id"]``), the same as one comma-separated string, and
``shotgun_api3``'s ``[{"field_name": "due_date", "direction": "desc"}]``.

>>> parse_order("-due_date, id")
(OrderKey('due_date', descending=True), OrderKey('id', descending=False))
>>> [k.text for k in parse_order([{"field_name": "due_date", "direction": "desc"}, "content"])]
['-due_date', 'content']
>>> parse_order(["--content"])
Traceback (most recent call last):
...
trackframes.exceptions.SchemaError: order item '--content' is not a field name with an optional leading '-' (descending). Did you mean '-content'?
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..exceptions import SchemaError
from ..suggest import hint

__all__ = ["OrderKey", "parse_order"]


@dataclass(frozen=True)
class OrderKey:
    """One sort key: a (possibly dotted) field and its direction."""

    path: str
    descending: bool = False

    @property
    def text(self) -> str:
        """The public form: ``"-due_date"`` or ``"due_date"``."""
        return ("-" if self.descending else "") + self.path

    def __repr__(self) -> str:
        return f"OrderKey({self.path!r}, descending={self.descending})"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:76] + " ...]"


def parse_order(order: Any) -> tuple[OrderKey, ...]:
    """``order=`` → order keys (``None`` or an empty list: no order)."""
    if order is None:
        return ()
    if isinstance(order, str):
        order = [o for o in order.split(",") if o.strip()]
    elif isinstance(order, Mapping) or not hasattr(order, "__iter__"):
        raise TypeError(f"order must be a list of field names such as ['-due_date', 'id'], not {_show(order)}.")
    return tuple(_key(item) for item in order)


def _key(item: Any) -> OrderKey:
    if isinstance(item, OrderKey):
        return item
    if isinstance(item, Mapping):  # shotgun_api3: {"field_name": "due_date", "direction": "desc"}
        name, direction = item.get("field_name"), item.get("direction", "asc")
        if not isinstance(name, str) or direction not in ("asc", "desc"):
            raise TypeError(f"order item {_show(dict(item))} must look like {{'field_name': 'due_date', "
                            "'direction': 'asc' or 'desc'}.")
        item = ("-" if direction == "desc" else "") + name
    if type(item).__module__ == "numpy" and hasattr(item, "item"):
        item = item.item()
    if not isinstance(item, str):
        raise TypeError(f"order items must be field names such as 'due_date' or '-due_date' (descending), "
                        f"not {_show(item)}.")
    text = item.strip()
    descending = text.startswith("-")
    name = text[1:].strip() if descending else text
    if not name or name[0] in "-+" or any(c.isspace() for c in name):
        fixed = "_".join(name.lstrip("-+ ").split())
        suggestion = [("-" if descending else "") + fixed] if fixed else []
        raise SchemaError(f"order item {item!r} is not a field name with an optional leading '-' "
                          f"(descending).{hint(suggestion)}", name=item, suggestions=suggestion)
    return OrderKey(name, descending)
