"""What a sandbox protocol server provides, so that one launcher starts any of them.

A tracker's sandbox is a module named in its backend's registry row
(``BackendInfo.sandbox``, read by :func:`trackframes.backends.registry.sandbox_module`).
:func:`trackframes.sandbox.serve` finds it there, generates the neutral
production (:mod:`trackframes.sandbox.production`) and calls the module's
``start``; the :class:`~trackframes.sandbox.Sandbox` handle it returns wraps
what ``start`` gave back. The module provides (:class:`SandboxModule`):

``start(production, *, store=None, host, port, seed, **options) -> server``
    Render ``production`` into the protocol's own store (its schema, names, ids
    and wire forms), or serve ``store`` as it is when given (``production`` is
    then ``None``), and start serving on ``host:port`` (``port`` 0: any free
    port) on a background thread. ``seed`` seeds the knobs' randomness;
    ``options`` are the module's :data:`OPTIONS` and knobs.
``knob_names() -> list[str]``
    the knobs ``options`` may set (latency, rate limits, failures, page-size
    cap, mutations...), changeable later through ``server.knobs``.
``OPTIONS: tuple[str, ...]``
    its other options (ShotGrid: ``script_name``, ``script_key``).

The server ``start`` returns is a :class:`SandboxServer`: ``url`` (the site
root ``tf.connect`` takes) and ``api_url``, ``auth`` (a ``trackframes.auth``
credential ``tf.connect`` accepts for this backend), ``credentials`` (every
accepted secret, a copy), ``knobs``, ``stats``, ``store`` (the protocol's store,
which the mutation knobs change), ``production`` (the neutral production it
renders, or ``None``), ``today``, ``banner()`` (the lines ``trackframes sandbox``
prints: credentials and how to connect) and ``close()`` (stop, close every
connection, free the port). It never shows a secret in its ``repr``.

ShotGrid implements it in :mod:`trackframes.sandbox.shotgrid.launch`.

How the ftrack sandbox plugs in
-------------------------------
:mod:`trackframes.sandbox.ftrack` already serves ``POST /api`` over its own
:class:`trackframes.sandbox.ftrack.Store` (``FtrackServer(store, host=...,
port=..., knobs=..., api_user=..., api_key=...)``, with ``.url``,
``.credentials``, ``.auth`` (a ``tf.ApiKey``), ``.knobs``, ``.stats``,
``.stop()``). To serve the neutral production:

1. ``trackframes/sandbox/ftrack/render_production.py``: ``render(production) ->
   Store`` over ``standard_schemas()`` and ``standard_relations()``. Each kind
   becomes its ftrack type (project → ``Project``, sequence → ``Sequence``,
   shot → ``Shot``, asset → ``AssetBuild``, step → the task ``Type``, task →
   ``Task``, version → ``AssetVersion`` of an ``Asset``, time entry →
   ftrack's time-log type, person → ``User``, note → ``Note``; vendors, which
   ftrack lacks, may be left out; the step's department may become a custom
   attribute). Ids are UUIDs derived
   deterministically from the neutral ids, e.g. ``uuid5(NAMESPACE,
   f"{kind}:{id}")``, so the same production always gets the same ids and a
   test can map them back. Statuses become ``Status`` records whose ``State``
   follows their :class:`~trackframes.sandbox.production.Meaning`
   (not started → ``NOT_STARTED``; in progress, review → ``IN_PROGRESS``;
   done, omitted → ``DONE``; on hold → ``BLOCKED``). Bids and durations in
   minutes become seconds; dates become date-times; assignees become
   ``Appointment`` records of type ``assignment``; shot frame ranges become
   custom attributes.
2. ``trackframes/sandbox/ftrack/launch.py``: ``start`` as above, returning a
   handle over ``FtrackServer(render(production) if store is None else store,
   ...)`` with ``api_url = url + "/api"``, ``auth = tf.ApiKey(...)``,
   ``banner()`` listing the API user and key and a ``tf.connect(url,
   backend="ftrack", auth=tf.ApiKey(...))`` line, ``close()`` calling
   ``stop()``; ``knob_names()`` from :mod:`trackframes.sandbox.ftrack.knobs`
   and ``OPTIONS = ("api_user", "api_key")``. ``trackframes/sandbox/ftrack/__init__.py``
   re-exports ``start``, ``knob_names`` and ``OPTIONS``.
3. The registry row of ftrack names ``sandbox="trackframes.sandbox.ftrack"``.
   ``tf.sandbox.serve(backend="ftrack")``, ``trackframes sandbox --backend
   ftrack`` and ``sb.connect()`` (which passes ``backend="ftrack"``, the
   ``ApiKey`` and the production's ``today``) then work with no change here.
   ``tf.sandbox.serve(backend=..., production=prod)`` serves one production
   under several protocols, for the cross-backend tests.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol, runtime_checkable

from .production import Production

__all__ = ["SandboxModule", "SandboxServer"]


@runtime_checkable
class SandboxServer(Protocol):
    """A running protocol server, as ``start`` returns it (see the module docstring)."""

    url: str
    api_url: str
    knobs: Any
    stats: Any
    store: Any
    production: Production | None
    today: date

    @property
    def auth(self) -> Any: ...

    @property
    def credentials(self) -> dict[str, Any]: ...

    def banner(self) -> list[str]: ...

    def close(self) -> None: ...


class SandboxModule(Protocol):
    """A sandbox module: what the registry's ``sandbox`` names (see the module docstring)."""

    OPTIONS: tuple[str, ...]

    def start(self, production: Production | None, *, store: Any = None, host: str = "127.0.0.1",
              port: int = 0, seed: int = 0, **options: Any) -> SandboxServer: ...

    def knob_names(self) -> list[str]: ...
