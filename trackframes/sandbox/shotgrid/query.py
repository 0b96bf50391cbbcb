"""The sandbox's ShotGrid query engine: filters, linked fields, sorting, field lists.

The HTTP server of the ShotGrid sandbox answers ``_search``, ``GET /entity`` and
``_summarize`` with these functions; they work on a :class:`~.model.Store`
whose values are in their JSON wire form. This module states what they do and
gathers the public names; the work is done, one concern each, by
:mod:`.paths` (entity types, fields, linked fields), :mod:`.filter_forms`
(the filter forms, normalized), :mod:`.clock` (``now`` and the time zone),
:mod:`.filters` (operators and compiling conditions), :mod:`.sort` and
:mod:`.search` (the matching ids in order, cached).

Filters
-------
Both formats of the REST API are accepted: the array form (a list of
``[field, operator, value]`` conditions, AND-ed) and the hash form
(``{"logical_operator": "and" | "or", "conditions": [...]}``, nested freely).
A condition may also be written with its values spread out
(``["due_date", "in_last", 1, "DAY"]``, ``["id", "between", 1, 9]``) or as a
``{"path", "relation", "values"}`` object; :func:`normalize_filters` turns every
form into the hash form with ``[field, operator, value]`` conditions.

Operators are checked against the "Valid Operators By Data Type" table of the
reference. Types the table does not list get: ``color``, ``entity_type`` and
``uuid`` → ``is``, ``is_not``, ``in``, ``not_in``; ``footage`` → the ``text``
operators; ``tag_list`` → ``is`` (the record carries that tag), ``is_not``,
``name_contains``, ``name_not_contains``. Filtering on ``password``,
``serializable``, ``summary`` and ``url`` fields (and unknown types) is refused.

Semantics:

* String comparisons (text, list, status list, tags, link names...) ignore case.
* A comparison with a null value is false; each negative operator (``is_not``,
  ``not_in``, ``not_contains``, ``not_between``, ``not_in_last``, ``not_in_next``,
  ``type_is_not``, ``name_not_contains``) is the exact negation of its positive
  twin, so it matches nulls. ``contains None`` matches nothing.
* ``between`` is inclusive at both ends; a ``None`` end is open.
* ``in_last N UNIT`` is ``[now - N units, now]`` and ``in_next`` ``[now, now + N units]``
  (HOUR, DAY, WEEK, MONTH, YEAR; months and years keep the day of month, clamped).
  For ``date`` fields both ends are taken as local dates.
* "Local" means UTC shifted by ``tz_offset_hours``: ``today`` is the local date of
  ``now``; ``in_calendar_day k`` is the local day ``today + k`` (for ``date_time``,
  that day's 24 hours converted to UTC); ``in_calendar_week k`` the Monday-to-Sunday
  week ``k`` weeks away, ``in_calendar_month``/``in_calendar_year`` the month/year
  ``k`` away.
* ``now`` defaults to the current UTC time of day on ``store.today`` (the date the
  demo production was generated around).
* ``date_time`` filter values are ISO 8601 (``Z``, an offset, or naive = UTC) and
  are compared at whole-second precision.
* Entity ``is`` compares type and id; ``name_*`` operators look at the link's
  display name. On ``multi_entity``/``addressing`` fields ``is``/``contains``/``in``/
  ``type_is``/``name_*`` match when any linked entity matches; ``is None`` matches
  an empty list.
* ``image`` fields only take ``is None`` / ``is_not None`` (an empty string counts
  as no thumbnail).
* An ``and`` with no conditions matches everything, and so does an empty ``or``.

Linked ("dotted") fields
------------------------
``entity.Shot.sg_sequence`` follows ``entity`` when it points at a Shot and reads
that Shot's ``sg_sequence``; chains may be longer. Every hop must be an
``entity``/``multi_entity`` field whose valid types include the named type. A
link to another type, a null link or a link to a missing record reaches a null
value (like a left join). Through ``multi_entity`` hops a condition matches when
it matches for any linked record (a record with no linked record is tested once
against a null value). Sorting, :func:`expand_fields` and summaries accept only
single-entity hops; :func:`resolve` through a multi-entity hop returns the list
of the reached non-null values.

Sorting
-------
``["-due_date", "id"]``: ``-`` means descending. Nulls come last ascending and
first descending; ties are broken by id ascending. Text and list values sort
case-insensitively; entity links sort by display name, multi-entity fields by
their sorted names.

Speed
-----
A filter tree is compiled once into nested closures. :func:`search` keeps, per
store, a small LRU cache of ordered id lists keyed by the entity, the filter
without its top-level AND ``id`` range conditions, the sort, the flags, the
store's ``version`` and (only for relative date operators) ``now`` to the minute.
The ``id`` conditions (``between``, ``greater_than``, ``less_than``, ``is``, ``in``)
are applied afterwards by bisection of the cached id-sorted list, so the
parallel id-range pages of one query cost one scan. For another sort the cached
result also keeps each id's rank, and the few ids of a range are re-sorted by it.
Results are computed without taking ``store.lock``, so callers may hold it.
"""

from __future__ import annotations

from .clock import reference_now
from .filter_forms import normalize_filters
from .filters import UNFILTERABLE_TYPES, VALID_OPERATORS, validate_filters
from .paths import expand_fields, field_spec, resolve, value_getter
from .search import search
from .sort import parse_sort

__all__ = [
    "VALID_OPERATORS",
    "UNFILTERABLE_TYPES",
    "normalize_filters",
    "validate_filters",
    "search",
    "resolve",
    "field_spec",
    "expand_fields",
    "parse_sort",
    "value_getter",
    "reference_now",
]
