"""The curated top-level names: exact, sorted, importable, and free of import-time I/O."""

from __future__ import annotations

import subprocess
import sys

import trackframes as tf

EXPECTED = [
    "ApiKey", "AuthError", "BearerToken", "CapabilityError", "ExportResult", "ProtocolError", "QueryError", "RateLimitError", "SchemaError",
    "ScriptKey", "ServerError", "SessionToken", "Site", "TrackframesError", "TransportError", "UserPassword",
    "__version__", "connect", "read_arrow", "read_dask", "read_parquet", "sandbox", "widgets",
]


def test_all_is_exact_and_sorted():
    assert tf.__all__ == sorted(tf.__all__)
    assert sorted(tf.__all__) == sorted(EXPECTED)


def test_every_public_name_resolves():
    for name in tf.__all__:
        assert getattr(tf, name) is not None


def test_lazy_subpackages_are_the_right_packages():
    import inspect

    import trackframes.sandbox
    import trackframes.widgets

    assert tf.sandbox is trackframes.sandbox and tf.sandbox.__name__ == "trackframes.sandbox"
    assert tf.widgets is trackframes.widgets and tf.widgets.__name__ == "trackframes.widgets"
    assert inspect.isfunction(tf.widgets.login) and tf.widgets.login.__name__ == "login"
    assert inspect.isfunction(tf.widgets.pick_fields)
    assert inspect.isfunction(tf.sandbox.serve) and inspect.isfunction(tf.sandbox.serve_forever)
    assert {"sandbox", "widgets"} <= set(dir(tf))


def test_exception_tree_has_one_root():
    for name in ("AuthError", "SchemaError", "QueryError", "RateLimitError", "ServerError", "TransportError",
                 "ProtocolError"):
        assert issubclass(getattr(tf, name), tf.TrackframesError)


def test_import_opens_no_socket_and_loads_no_sandbox_or_widgets():
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise SystemExit('socket opened at import')\n"
        "socket.socket.connect = refuse\n"
        "import sys, trackframes\n"
        "assert 'trackframes.sandbox' not in sys.modules, 'sandbox imported eagerly'\n"
        "assert 'trackframes.widgets' not in sys.modules, 'widgets imported eagerly'\n"
        "assert 'ipywidgets' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
