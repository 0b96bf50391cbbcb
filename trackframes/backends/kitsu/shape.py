"""Typed empty tables with Kitsu's text ids, for checking filters with the local engine before sending.

>>> from trackframes.backends.kitsu.schema import model_specs
>>> empty_shaped([model_specs("Task")["task_type"]]).schema.names
['id', 'task_type.id', 'task_type.type', 'task_type.name']
"""

from __future__ import annotations

from typing import Sequence

import pyarrow as pa

from ...schema import FieldKind, FieldSpec, columns_for

__all__ = ["empty_shaped", "LINK_LIST"]

LINK_LIST = pa.list_(pa.struct([("id", pa.string()), ("type", pa.string()), ("name", pa.string())]))


def empty_shaped(specs: Sequence[FieldSpec]) -> pa.Table:
    """A zero-row table shaped like a frame's (``id`` and link ids as text)."""
    cols = [pa.field("id", pa.string())]
    for spec in specs:
        if spec.name == "id":
            continue
        for col in columns_for(spec):
            if spec.kind is FieldKind.ENTITY and col.name.endswith(".id"):
                col = pa.field(col.name, pa.string())
            elif spec.kind is FieldKind.MULTI_ENTITY:
                col = pa.field(col.name, LINK_LIST)
            cols.append(col)
    return pa.schema(cols).empty_table()
