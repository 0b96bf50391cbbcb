"""Local servers that speak each tracker's protocol over a generated demo production.

The sandbox is the embedded default for ``trackframes demo`` and for offline
notebooks and tests::

    import trackframes as tf
    with tf.sandbox.serve(backend="shotgrid", scale=0.1, seed=0) as sb:
        site = sb.connect()
        tasks = site.find("Task", fields=["content", "sg_status_list"])
"""

from __future__ import annotations

from .serve import Sandbox, serve

__all__ = ["Sandbox", "serve"]
