"""trackframes: production-tracking data as typed pandas DataFrames.

>>> import trackframes as tf
>>> with tf.sandbox.serve(scale=0.02) as sb:
...     site = sb.connect(progress=False)
...     n = site.count("Task")
>>> n > 0
True
"""

from __future__ import annotations

from .auth import ApiKey, BearerToken, ScriptKey, SessionToken, UserPassword
from .connect import connect
from .exceptions import (
    AuthError,
    CapabilityError,
    ProtocolError,
    QueryError,
    RateLimitError,
    SchemaError,
    ServerError,
    TrackframesError,
    TransportError,
)
from .io import ExportResult, read_arrow, read_parquet
from .dask import read_dask
from .site import Site
from . import accessor  # registers df.tf

from ._version import __version__

__all__ = [
    "ApiKey",
    "AuthError",
    "BearerToken",
    "CapabilityError",
    "ExportResult",
    "ProtocolError",
    "QueryError",
    "RateLimitError",
    "SchemaError",
    "ScriptKey",
    "ServerError",
    "SessionToken",
    "Site",
    "TrackframesError",
    "TransportError",
    "UserPassword",
    "__version__",
    "connect",
    "read_arrow",
    "read_dask",
    "read_parquet",
    "sandbox",
    "widgets",
]


#: Public subpackages imported on first use: ``import trackframes`` stays light (no server code, no ipywidgets).
_LAZY_SUBPACKAGES = ("sandbox", "widgets")


def __getattr__(name: str) -> object:
    # tf.sandbox (servers, data generator) and tf.widgets (notebook views) are imported only when used
    if name in _LAZY_SUBPACKAGES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'trackframes' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
