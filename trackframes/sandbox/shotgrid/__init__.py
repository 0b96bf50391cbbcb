"""The ShotGrid sandbox: a local server speaking the ShotGrid REST API v1.1 over the neutral production.

The sandbox module of the ``shotgrid`` backend (:mod:`trackframes.sandbox.protocol`):
:func:`start` renders a production (:mod:`.render_production`) and serves it
(:mod:`.server`, :mod:`.routes`, :mod:`.records`; queries in :mod:`.query`,
summaries in :mod:`.summarize`). It is an independent implementation of the
protocol: it shares no code with the trackframes ShotGrid client.
"""

from __future__ import annotations

from .launch import OPTIONS, ShotGridSandbox, knob_names, start

__all__ = ["OPTIONS", "ShotGridSandbox", "knob_names", "start"]
