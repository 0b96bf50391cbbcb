"""Local servers that speak each tracker's protocol over a generated demo production.

The sandbox is the embedded default for ``trackframes demo`` and for offline
notebooks and tests (``serve_forever`` is ``trackframes sandbox``, in the foreground)::

    import trackframes as tf
    with tf.sandbox.serve(backend="shotgrid", scale=0.1, seed=0) as sb:
        site = sb.connect()
        tasks = site.find("Task", fields=["content", "sg_status_list"])
"""

from __future__ import annotations

from .launcher import PortInUseError, Sandbox, free_port, serve, serve_forever

__all__ = ["PortInUseError", "Sandbox", "free_port", "serve", "serve_forever"]
