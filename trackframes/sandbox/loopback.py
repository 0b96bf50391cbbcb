"""Sandboxes listen on the loopback interface only: :func:`check_host`.

>>> check_host("localhost")
'127.0.0.1'
>>> check_host("0.0.0.0")
Traceback (most recent call last):
...
ValueError: the sandbox binds to 127.0.0.1 only, not '0.0.0.0'
"""

from __future__ import annotations

__all__ = ["check_host", "LOOPBACK"]

#: Host names a sandbox accepts; it always binds 127.0.0.1.
LOOPBACK = frozenset({"127.0.0.1", "localhost"})


def check_host(host: str) -> str:
    """``"127.0.0.1"`` for a loopback host name; ``ValueError`` for anything else."""
    if host not in LOOPBACK:
        raise ValueError(f"the sandbox binds to 127.0.0.1 only, not {host!r}")
    return "127.0.0.1"
