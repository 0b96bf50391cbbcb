"""trackframes: production-tracking data as typed pandas DataFrames."""

from __future__ import annotations

__version__ = "0.1.0"
