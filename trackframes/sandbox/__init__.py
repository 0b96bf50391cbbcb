"""Local servers that speak each tracker's protocol over one generated production.

The sandbox is the embedded default for ``trackframes demo`` and for offline
notebooks and tests (``serve_forever`` is ``trackframes sandbox``, in the
foreground). :mod:`.production` generates the production in neutral terms;
each backend's sandbox module renders and serves it in its own protocol
(:mod:`.protocol`); :func:`serve` finds that module through the backend
registry::

    import trackframes as tf
    with tf.sandbox.serve(backend="shotgrid", scale=0.1, seed=0) as sb:
        site = sb.connect()
        tasks = site.tasks()
"""

from __future__ import annotations

from .launcher import PortInUseError, Sandbox, backends, free_port, serve, serve_forever

__all__ = ["PortInUseError", "Sandbox", "backends", "free_port", "serve", "serve_forever"]
