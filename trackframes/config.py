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
``TRACKFRAMES_TIMEOUT``        seconds for one whole request (default 60)
``TRACKFRAMES_DEADLINE``       seconds for one whole call, retries included (default 600)
``TRACKFRAMES_MAX_RETRIES``    retries for 429/5xx/connection errors (default 5)
``TRACKFRAMES_CONCURRENCY``    parallel page requests (default 8)
``TRACKFRAMES_PAGE_SIZE``      records per page (default 500)
``TRACKFRAMES_VERIFY``         ``true``/``false`` or a CA bundle path (default true)
``TRACKFRAMES_PROGRESS``       ``true``/``false`` (default: bars on a terminal or in a notebook only)
=============================  ==========================================
"""

from __future__ import annotations

import math
import numbers
import os
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from .auth import ApiKey, BearerToken, Credential, ScriptKey, SessionToken, UserPassword
from .deadline import DEFAULT_DEADLINE
from .urls import site_url

__all__ = ["Settings", "resolve", "credential_from_env"]

PREFIX = "TRACKFRAMES_"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Settings:
    """Everything a connection needs besides its credential."""

    url: str
    backend: str = "shotgrid"
    timeout: float = 60.0
    deadline: float = DEFAULT_DEADLINE
    max_retries: int = 5
    concurrency: int = 8
    page_size: int = 500
    verify: bool | str = True
    proxies: Mapping[str, str] | None = field(default=None)
    progress: bool | None = None  # None: tqdm's convention, bars on a terminal or in a notebook only

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes)


_INT_OPTIONS = {"max_retries": 0, "concurrency": 1, "page_size": 1}
_SECONDS_OPTIONS = {
    "timeout": "seconds for one whole request (connecting, waiting and reading), such as timeout=60",
    "deadline": "seconds for one whole call (every request, retry and wait of a find), such as deadline=600 "
                "(float('inf') for none)",
}


def resolve(url: str | None = None, env: Mapping[str, str] | None = None, **options: Any) -> Settings:
    """Build :class:`Settings` from ``url``/``options``, filling gaps from the environment.

    Every option is checked here, before any I/O, and a bad one is named:

    >>> resolve("https://studio.example.com", env={}, timeout="10")
    Traceback (most recent call last):
    ...
    TypeError: timeout must be a number of seconds for one whole request (connecting, waiting and reading), \
such as timeout=60; got the str '10'.
    """
    env = os.environ if env is None else env
    unknown = set(options) - {f for f in Settings.__dataclass_fields__ if f != "url"}
    if unknown:
        from .suggest import suggest

        valid = sorted(f for f in Settings.__dataclass_fields__ if f != "url")
        hints = {name: suggest(name, valid, n=1) for name in sorted(unknown)}
        text = ", ".join(f"{n!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for n, h in hints.items())
        raise TypeError(f"connect() got unknown option(s) {text}; valid options: {', '.join(valid)}")
    url = url or env.get(PREFIX + "URL")
    if not url:
        raise ValueError("No site URL: pass connect(url, ...) or set TRACKFRAMES_URL.")
    url = site_url(url)
    values: dict[str, Any] = {}
    for name in Settings.__dataclass_fields__:
        if name == "url":
            continue
        if options.get(name) is not None:
            values[name] = _check_option(name, options[name])
        elif PREFIX + name.upper() in env:
            values[name] = _parse_env(name, env[PREFIX + name.upper()])
    settings = Settings(url=url, **values)
    _check_backend(settings.backend)
    return settings


def _check_option(name: str, value: Any) -> Any:
    """``value`` if it is valid for option ``name`` (normalised); ``TypeError``/``ValueError`` naming it otherwise."""
    if name in _SECONDS_OPTIONS:
        return _seconds(name, value, _SECONDS_OPTIONS[name])
    if name in _INT_OPTIONS:
        low = _INT_OPTIONS[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be a whole number >= {low}; got {_shown(value)}.")
        if value < low:
            raise ValueError(f"{name} must be a whole number >= {low}, not {value!r}.")
        return int(value)
    if name == "verify":
        return _verify(value)
    if name == "proxies":
        return _proxies(value)
    if name == "progress":
        if not isinstance(value, bool):
            raise TypeError(f"progress must be True, False or None; got {_shown(value)}.")
        return value
    if name == "backend":
        if not isinstance(value, str):
            from .backends import registry

            raise TypeError(f"backend must be one of {', '.join(map(repr, registry.names()))}; got {_shown(value)}.")
        return value
    return value  # pragma: no cover - every option is listed above


def _seconds(name: str, value: Any, meaning: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number of {meaning}; got {_shown(value)}.")
    number = float(value)
    if math.isnan(number) or number <= 0 or (name == "timeout" and math.isinf(number)):
        finite = "a finite number" if name == "timeout" else "a number"
        raise ValueError(f"{name} must be {finite} of seconds greater than 0, not {value!r}.")
    return number


def _verify(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"verify must be True, False or the path of a CA bundle; got {_shown(value)}.")
    if value.strip().lower() in _TRUE + _FALSE:
        raise ValueError(f"verify={value!r} is a str, not a bool: pass verify=True or verify=False "
                         "(or the path of a CA bundle file).")
    if not os.path.exists(value):
        raise ValueError(f"verify={value!r}: no such CA bundle file or directory; pass the path of a CA bundle "
                         "(PEM), or True to use the default certificate authorities.")
    return value


def _proxies(value: Any) -> dict[str, str]:
    example = "{'https': 'http://proxy.example.com:3128'}"
    if not isinstance(value, Mapping):
        raise TypeError(f"proxies must be a dict from URL scheme to proxy URL, such as {example}; "
                        f"got {_shown(value)}.")
    for key, proxy in value.items():
        if not isinstance(key, str) or not isinstance(proxy, str):
            raise TypeError(f"proxies must map str schemes to str proxy URLs, such as {example}; "
                            f"got a {type(key).__name__} key with a {type(proxy).__name__} value.")
        if "://" not in proxy:
            raise ValueError(f"proxies[{key!r}] must be a proxy URL such as 'http://proxy.example.com:3128'.")
    return dict(value)


def _shown(value: Any) -> str:
    """``the str '10'``: the type and a short repr of a bad value (never more than 60 characters)."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    if isinstance(value, tuple):
        return f"the tuple {text}"
    return f"the {type(value).__name__} {text}"


def _parse_env(name: str, raw: str) -> Any:
    raw = raw.strip()
    variable = PREFIX + name.upper()
    if name in ("verify", "progress"):
        low = raw.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        accepted = f"accepted: {'/'.join(_TRUE)} or {'/'.join(_FALSE)}"
        if name == "verify":
            if os.path.exists(raw):
                return raw  # a CA bundle path
            raise ValueError(f"{variable}={raw!r} is neither true/false ({accepted}) nor the path of an existing "
                             "CA bundle file.")
        raise ValueError(f"{variable}={raw!r} is not true/false ({accepted}).")
    if name in _SECONDS_OPTIONS:
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"{variable}={raw!r} is not a number of seconds.") from None
        try:
            return _seconds(name, number, _SECONDS_OPTIONS[name])
        except ValueError:
            raise ValueError(f"{variable}={raw!r} must be a number of seconds greater than 0.") from None
    if name in _INT_OPTIONS:
        try:
            number = int(raw)
        except ValueError:
            raise ValueError(f"{variable}={raw!r} is not a whole number.") from None
        if number < _INT_OPTIONS[name]:
            raise ValueError(f"{variable}={raw!r} must be a whole number >= {_INT_OPTIONS[name]}.")
        return number
    if name == "proxies":
        raise ValueError(f"{variable} is not read; use the standard HTTPS_PROXY/HTTP_PROXY variables.")
    return raw


def _check_backend(backend: str) -> None:
    from .backends import registry

    registry.get(backend)  # ValueError naming the closest backends


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
