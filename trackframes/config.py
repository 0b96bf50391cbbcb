"""Connection settings: keyword arguments first, then ``TRACKFRAMES_*`` environment variables.

Nothing here does I/O. The environment is read when :func:`resolve` is called,
never at import time.

=============================  ==========================================
variable                       meaning
=============================  ==========================================
``TRACKFRAMES_URL``            site URL
``TRACKFRAMES_BACKEND``        ``shotgrid`` (default), ``ftrack``, ``kitsu``
``TRACKFRAMES_SCRIPT_NAME``    with ``TRACKFRAMES_SCRIPT_KEY``: a ScriptKey
``TRACKFRAMES_SUDO_AS``        act as this user (ScriptKey or UserPassword)
``TRACKFRAMES_LOGIN``          with ``TRACKFRAMES_PASSWORD`` (and optional ``TRACKFRAMES_OTP``)
``TRACKFRAMES_SESSION_TOKEN``  a SessionToken
``TRACKFRAMES_API_USER``       with ``TRACKFRAMES_API_KEY``: an ApiKey (ftrack)
``TRACKFRAMES_TOKEN``          a BearerToken (Kitsu bots)
``TRACKFRAMES_TIMEOUT``        seconds per request (default 60)
``TRACKFRAMES_MAX_RETRIES``    retries for 429/5xx/connection errors (default 5)
``TRACKFRAMES_CONCURRENCY``    parallel page requests (default 8)
``TRACKFRAMES_PAGE_SIZE``      records per page (default 500)
``TRACKFRAMES_VERIFY``         ``true``/``false`` or a CA bundle path (default true)
``TRACKFRAMES_PROGRESS``       ``true``/``false`` (default: bars on a terminal or in a notebook only)
=============================  ==========================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from .auth import ApiKey, BearerToken, Credential, ScriptKey, SessionToken, UserPassword

__all__ = ["Settings", "resolve", "credential_from_env", "BACKENDS"]

BACKENDS = ("shotgrid", "ftrack", "kitsu")
PREFIX = "TRACKFRAMES_"


@dataclass(frozen=True)
class Settings:
    """Everything a connection needs besides its credential."""

    url: str
    backend: str = "shotgrid"
    timeout: float = 60.0
    max_retries: int = 5
    concurrency: int = 8
    page_size: int = 500
    verify: bool | str = True
    proxies: Mapping[str, str] | None = field(default=None)
    progress: bool | None = None  # None: tqdm's convention, bars on a terminal or in a notebook only

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes)


_INT_OPTIONS = {"max_retries": 0, "concurrency": 1, "page_size": 1}


def resolve(url: str | None = None, env: Mapping[str, str] | None = None, **options: Any) -> Settings:
    """Build :class:`Settings` from ``url``/``options``, filling gaps from the environment."""
    env = os.environ if env is None else env
    unknown = set(options) - {f for f in Settings.__dataclass_fields__ if f != "url"}
    if unknown:
        import difflib

        valid = sorted(f for f in Settings.__dataclass_fields__ if f != "url")
        hints = {name: difflib.get_close_matches(name, valid, n=1) for name in sorted(unknown)}
        text = ", ".join(f"{n!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for n, h in hints.items())
        raise TypeError(f"connect() got unknown option(s) {text}; valid options: {', '.join(valid)}")
    url = url or env.get(PREFIX + "URL")
    if not url:
        raise ValueError("No site URL: pass connect(url, ...) or set TRACKFRAMES_URL.")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"The site URL {url!r} must start with https:// (or http:// for a local sandbox).")
    values: dict[str, Any] = {}
    for name, default in Settings.__dataclass_fields__.items():
        if name == "url":
            continue
        if options.get(name) is not None:
            values[name] = options[name]
        elif PREFIX + name.upper() in env:
            values[name] = _parse_env(name, env[PREFIX + name.upper()])
    settings = Settings(url=url.rstrip("/"), **values)
    _check(settings)
    return settings


def _parse_env(name: str, raw: str) -> Any:
    raw = raw.strip()
    if name in ("verify", "progress"):
        low = raw.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        if name == "verify":
            return raw  # a CA bundle path
        raise ValueError(f"TRACKFRAMES_{name.upper()}={raw!r} is not true/false.")
    if name == "timeout":
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"TRACKFRAMES_TIMEOUT={raw!r} is not a number of seconds.") from None
    if name in _INT_OPTIONS:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"TRACKFRAMES_{name.upper()}={raw!r} is not a whole number.") from None
    return raw


def _check(s: Settings) -> None:
    if s.backend not in BACKENDS:
        import difflib

        close = difflib.get_close_matches(s.backend, BACKENDS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown backend {s.backend!r}; choose one of {', '.join(BACKENDS)}.{hint}")
    if not s.timeout or s.timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {s.timeout!r}")
    for name, low in _INT_OPTIONS.items():
        value = getattr(s, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be a whole number >= {low}, not {value!r}")


def credential_from_env(env: Mapping[str, str] | None = None) -> Credential:
    """The credential described by ``TRACKFRAMES_*`` variables (secrets stay masked)."""
    env = os.environ if env is None else env
    get = lambda key: env.get(PREFIX + key) or None  # noqa: E731
    if get("SCRIPT_NAME") or get("SCRIPT_KEY"):
        if not (get("SCRIPT_NAME") and get("SCRIPT_KEY")):
            raise ValueError("Set both TRACKFRAMES_SCRIPT_NAME and TRACKFRAMES_SCRIPT_KEY.")
        return ScriptKey(get("SCRIPT_NAME"), get("SCRIPT_KEY"), sudo_as=get("SUDO_AS"))
    if get("LOGIN") or get("PASSWORD"):
        if not (get("LOGIN") and get("PASSWORD")):
            raise ValueError("Set both TRACKFRAMES_LOGIN and TRACKFRAMES_PASSWORD.")
        return UserPassword(get("LOGIN"), get("PASSWORD"), otp=get("OTP"), sudo_as=get("SUDO_AS"))
    if get("SESSION_TOKEN"):
        return SessionToken(get("SESSION_TOKEN"))
    if get("API_USER") or get("API_KEY"):
        if not (get("API_USER") and get("API_KEY")):
            raise ValueError("Set both TRACKFRAMES_API_USER and TRACKFRAMES_API_KEY.")
        return ApiKey(get("API_USER"), get("API_KEY"))
    if get("TOKEN"):
        return BearerToken(get("TOKEN"))
    raise ValueError(
        "No credentials: pass auth=tf.ScriptKey(...)/tf.UserPassword(...)/tf.SessionToken(...) or set "
        "TRACKFRAMES_SCRIPT_NAME and TRACKFRAMES_SCRIPT_KEY (or TRACKFRAMES_LOGIN and TRACKFRAMES_PASSWORD, "
        "or TRACKFRAMES_SESSION_TOKEN)."
    )
