"""The generated production as a ShotGrid store, under its earlier import path.

:func:`generate` is :func:`trackframes.sandbox.shotgrid.render_production.generate`
(the neutral :mod:`trackframes.sandbox.production` rendered for the ShotGrid
sandbox) and :func:`make_record` the mutation knobs' record maker,
:func:`trackframes.sandbox.shotgrid.new_records.make_record`.

>>> from datetime import date
>>> generate(scale=0.01, seed=1, today=date(2026, 3, 2)).today
datetime.date(2026, 3, 2)
"""

from __future__ import annotations

from .production.calendar import studio_holidays
from .production.vocabulary import MINUTES_PER_DAY
from .shotgrid.new_records import make_record
from .shotgrid.render_production import generate

__all__ = ["MINUTES_PER_DAY", "generate", "make_record", "studio_holidays"]
