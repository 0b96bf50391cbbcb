"""The one table of backends: what ``connect``, the settings, the CLI, the login form and the
sandbox know about each tracker.

A row is a :class:`BackendInfo`: its name and title, the module that builds it
(imported only when a site of that kind is connected), the credential kinds it
accepts with the login-form fields of each, the largest page its server
documents, and the module of its sandbox server, if it has one. Adding a
backend means adding a package under ``trackframes/backends/`` (and, for a
sandbox, under ``trackframes/sandbox/``) plus one row here, or one entry point
in the ``trackframes.backends`` group of another distribution whose value is a
``BackendInfo``.

A backend module exposes ``create(settings, credential, transport)``, returning
an object that implements :class:`trackframes.backends.base.Backend`. A sandbox
module exposes ``start(production, **options)`` (see :mod:`trackframes.sandbox`).

>>> from trackframes.backends import registry
>>> [b.name for b in registry.backends()]
['shotgrid', 'ftrack', 'kitsu']
>>> registry.get("shotgrid").title
'ShotGrid'
>>> [k.key for k in registry.get("shotgrid").auth_kinds]
['script', 'user', 'session']
>>> registry.get("shotgird")
Traceback (most recent call last):
...
ValueError: Unknown backend 'shotgird'. Did you mean 'shotgrid'? Backends: shotgrid, ftrack, kitsu.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from typing import Any, Mapping

from ..suggest import hint, suggest

__all__ = ["LoginField", "AuthKind", "BackendInfo", "backends", "names", "get", "check", "create",
           "sandbox_module", "register"]


@dataclass(frozen=True)
class LoginField:
    """One field of a login form: its name, its label, whether it is a secret (never
    pre-filled, cleared once sent), optional, the ``TRACKFRAMES_*`` variable that pre-fills it
    (non-secret fields only), the credential's keyword it fills (default: ``name``) and whether
    surrounding spaces are dropped (not for passwords, where they may be meant)."""

    name: str
    label: str
    secret: bool = False
    optional: bool = False
    env: str | None = None
    param: str | None = None
    strip: bool = True


@dataclass(frozen=True)
class AuthKind:
    """One way to sign in to a backend: a key, a label, the credential class (in
    :mod:`trackframes.auth`) and the fields it needs, in form order."""

    key: str
    label: str
    credential: str
    fields: tuple[LoginField, ...]

    def build(self, values: Mapping[str, str]) -> Any:
        """The credential from form values (``name -> text``); empty optional fields are left out."""
        from .. import auth

        cls = getattr(auth, self.credential)
        kwargs = {}
        for f in self.fields:
            value = values.get(f.name, "")
            value = value.strip() if f.strip else value
            if value or not f.optional:
                kwargs[f.param or f.name] = value
        return cls(**kwargs)


@dataclass(frozen=True)
class BackendInfo:
    """One backend: see the module docstring. ``module`` is ``None`` while the backend is not
    available in this version (it is listed so that its name is known and the message is clear)."""

    name: str
    title: str
    module: str | None
    auth_kinds: tuple[AuthKind, ...]
    max_page_size: int
    sandbox: str | None = None
    url_example: str = ""

    @property
    def available(self) -> bool:
        return self.module is not None

    def auth_kind(self, key: str) -> AuthKind:
        for kind in self.auth_kinds:
            if kind.key == key:
                return kind
        keys = [k.key for k in self.auth_kinds]
        raise ValueError(f"Unknown sign-in kind {key!r} for {self.title}.{hint(suggest(key, keys))} "
                         f"Kinds: {', '.join(keys)}.")

    def credentials(self) -> tuple[str, ...]:
        """Names of the credential classes this backend accepts."""
        return tuple(dict.fromkeys(k.credential for k in self.auth_kinds))


_SCRIPT_NAME = LoginField("script_name", "Script name", env="TRACKFRAMES_SCRIPT_NAME")
_SCRIPT_KEY = LoginField("script_key", "Script key", secret=True)
_LOGIN = LoginField("login", "Login", env="TRACKFRAMES_LOGIN")
_PASSWORD = LoginField("password", "Password", secret=True, strip=False)
_OTP = LoginField("otp", "2FA code", secret=True, optional=True)
_SESSION = LoginField("session_token", "Session token", secret=True, param="token")
_API_USER = LoginField("api_user", "API user", env="TRACKFRAMES_API_USER", param="user")
_API_KEY = LoginField("api_key", "API key", secret=True, param="key")
_EMAIL = LoginField("login", "Email", env="TRACKFRAMES_LOGIN")
_BOT_TOKEN = LoginField("bot_token", "Bot token", secret=True, param="token")

_BUILTIN: tuple[BackendInfo, ...] = (
    BackendInfo(
        name="shotgrid", title="ShotGrid", module="trackframes.backends.shotgrid",
        auth_kinds=(AuthKind("script", "Script key", "ScriptKey", (_SCRIPT_NAME, _SCRIPT_KEY)),
                    AuthKind("user", "Login and password", "UserPassword", (_LOGIN, _PASSWORD, _OTP)),
                    AuthKind("session", "Session token", "SessionToken", (_SESSION,))),
        max_page_size=500, sandbox="trackframes.sandbox.shotgrid",
        url_example="https://yourstudio.shotgrid.autodesk.com"),
    BackendInfo(
        name="ftrack", title="ftrack", module="trackframes.backends.ftrack",
        auth_kinds=(AuthKind("api_key", "API key", "ApiKey", (_API_USER, _API_KEY)),),
        max_page_size=1000, sandbox="trackframes.sandbox.ftrack", url_example="https://yourstudio.ftrackapp.com"),
    BackendInfo(
        name="kitsu", title="Kitsu", module="trackframes.backends.kitsu",
        auth_kinds=(AuthKind("user", "Email and password", "UserPassword", (_EMAIL, _PASSWORD)),
                    AuthKind("bot", "Bot token", "BearerToken", (_BOT_TOKEN,))),
        max_page_size=1000, sandbox=None, url_example="https://kitsu.yourstudio.com/api"),
)

_lock = threading.Lock()
_table: dict[str, BackendInfo] | None = None


def register(info: BackendInfo) -> None:
    """Add (or replace) a backend row; for plug-ins and tests."""
    with _lock:
        _load()[info.name] = info


def _load() -> dict[str, BackendInfo]:
    global _table
    if _table is None:
        table = {b.name: b for b in _BUILTIN}
        for info in _entry_points():
            table.setdefault(info.name, info)
        _table = table
    return _table


def _entry_points() -> list[BackendInfo]:
    from importlib.metadata import entry_points

    found = []
    for ep in entry_points(group="trackframes.backends"):
        info = ep.load()
        if isinstance(info, BackendInfo):
            found.append(info)
    return found


def backends() -> list[BackendInfo]:
    """Every known backend, built-in ones first."""
    with _lock:
        return list(_load().values())


def names(*, available: bool = False) -> tuple[str, ...]:
    """Backend names (only those available in this version with ``available=True``)."""
    return tuple(b.name for b in backends() if b.available or not available)


def get(name: str) -> BackendInfo:
    """The row of backend ``name``; ``ValueError`` with the closest names otherwise."""
    with _lock:
        table = _load()
        if isinstance(name, str) and name in table:
            return table[name]
        known = list(table)
    raise ValueError(f"Unknown backend {name!r}.{hint(suggest(str(name), known))} Backends: {', '.join(known)}.")


def check(name: str, credential: Any) -> BackendInfo:
    """The row of ``name`` once it is known to be available and to accept ``credential``."""
    from ..exceptions import CapabilityError

    info = get(name)
    if info.module is None:
        ready = ", ".join(names(available=True))
        raise CapabilityError(f"The {info.title} backend is not available yet in this version; available: {ready}.",
                              backend=info.name, capability="read")
    accepted = info.credentials()
    if type(credential).__name__ not in accepted:
        raise TypeError(f"The {info.title} backend signs in with {' or '.join(f'tf.{c}' for c in accepted)}, "
                        f"not tf.{type(credential).__name__}.")
    return info


def create(settings: Any, credential: Any, transport: Any) -> Any:
    """Build the backend ``settings.backend`` names (its module is imported now, not before)."""
    info = check(settings.backend, credential)
    return importlib.import_module(info.module).create(settings, credential, transport)  # type: ignore[arg-type]


def sandbox_module(name: str) -> Any:
    """The sandbox server module of backend ``name`` (``ValueError`` when it has none)."""
    info = get(name)
    if info.sandbox is None:
        with_sandbox = ", ".join(b.name for b in backends() if b.sandbox)
        raise ValueError(f"The {info.title} backend has no sandbox yet; sandboxes: {with_sandbox}.")
    return importlib.import_module(info.sandbox)
