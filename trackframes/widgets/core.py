"""Headless logic behind the notebook widgets: a login form and a field picker.

Nothing here imports ipywidgets; the views in :mod:`.login_view` and :mod:`.picker_view`
and the terminal prompts in :mod:`.prompt` are thin layers over these classes,
so the same rules (which fields each auth kind needs, how errors read, how the
``find`` call is built) apply everywhere.

>>> form = LoginForm(url="https://studio.example.com", env={})
>>> form.auth_kind = "script"
>>> form.fields()
('script_name', 'script_key')
>>> form.set("script_key", "s3cr3t")
>>> "s3cr3t" in repr(form)
False
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from ..auth import Credential
from ..backends import registry
from ..backends.base import Capability, has
from ..exceptions import AuthError, TrackframesError, TransportError
from ..schema import FieldKind

__all__ = [
    "AUTH_KINDS",
    "BACKENDS",
    "SECRET_FIELDS",
    "FIELD_LABELS",
    "LoginForm",
    "FieldOption",
    "FieldPicker",
    "error_message",
    "coerce_value",
]

def _fields_by_name() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for info in registry.backends():
        for kind in info.auth_kinds:
            for f in kind.fields:
                out.setdefault(f.name, f)
    return out


#: Backends offered by the login form (those available in this version): API name → title.
BACKENDS: dict[str, str] = {b.name: b.title for b in registry.backends() if b.available}

#: Auth kinds per backend: kind → (label, the fields that kind needs, in order) (from the backend registry).
AUTH_KINDS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    b.name: {k.key: (k.label, tuple(f.name for f in k.fields)) for k in b.auth_kinds} for b in registry.backends()
}

_FIELDS = _fields_by_name()

#: Fields that hold secrets: never pre-filled, cleared as soon as Connect is pressed.
SECRET_FIELDS: frozenset[str] = frozenset(n for n, f in _FIELDS.items() if f.secret)

#: Optional fields (everything else of the chosen kind must be filled in).
OPTIONAL_FIELDS: frozenset[str] = frozenset(n for n, f in _FIELDS.items() if f.optional)

#: Field → label (a backend may word a field its own way: :meth:`LoginForm.label`).
FIELD_LABELS: dict[str, str] = {n: f.label for n, f in _FIELDS.items()}

#: Non-secret values read from the environment: form field → variable.
ENV_PREFILL: dict[str, str] = {"url": "TRACKFRAMES_URL", "backend": "TRACKFRAMES_BACKEND",
                               **{n: f.env for n, f in _FIELDS.items() if f.env and not f.secret}}


def error_message(exc: BaseException, url: str = "") -> str:
    """A short, friendly sentence for a failed connection (never a traceback, never a secret)."""
    site = url or "the site"
    if isinstance(exc, AuthError):
        reason = exc.reason
        if reason == "2fa_required":
            return ("This account needs a two-factor code: enter the 2FA code from your authenticator "
                    "app and your password again, then Connect.")
        if reason == "2fa_invalid":
            return "The 2FA code was not accepted; enter a fresh code and your password again."
        if reason == "expired":
            return "The session token has expired; sign in again with a new token or another method."
        if reason == "forbidden":
            return "Signed in, but this account is not allowed to use the API on this site."
        if reason in ("locked", "inactive", "default_password"):
            return exc.message  # the backend's words: trying again would not help (a lock-out grows)
        return f"Sign-in to {site} was refused: check the credentials and try again."
    if isinstance(exc, TransportError):
        return str(exc)  # the transport words each failure (TLS, timeout, redirect, refused) for people already
    if isinstance(exc, (TrackframesError, ValueError, NotImplementedError, TypeError)):
        return str(exc)
    return f"Could not connect: {type(exc).__name__}."


class LoginForm:
    """The state of a login form: site, backend, auth kind, field values, status.

    ``env`` (default :data:`os.environ`) pre-fills the URL, backend, script
    name and login; secrets are never read from it. :meth:`connect` builds the
    credential, clears every secret at once, authenticates for real (token and
    entity list) and reports success or a friendly message in :attr:`message`.
    ``options`` go to :func:`trackframes.connect` (``timeout``, ``verify``, ...).
    """

    def __init__(self, url: str | None = None, backend: str = "shotgrid", *, auth_kind: str | None = None,
                 env: Mapping[str, str] | None = None, **options: Any) -> None:
        env = os.environ if env is None else env
        self.url: str = url or env.get(ENV_PREFILL["url"], "")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {sorted(BACKENDS)}, not {backend!r}")
        from_env = env.get(ENV_PREFILL["backend"], "").strip().lower()
        self.backend: str = from_env if backend == "shotgrid" and from_env in BACKENDS else backend
        self.options = dict(options)
        self._values: dict[str, str] = {name: "" for name in FIELD_LABELS}
        for name, variable in ENV_PREFILL.items():
            if name in self._values:
                self._values[name] = env.get(variable, "")
        if auth_kind is None:
            auth_kind = self._kind_from(env)
        self.auth_kind = auth_kind
        self.status: str = "idle"  # idle | connecting | connected | error
        self.message: str = ""
        self.site: Any = None
        self.identity: dict[str, Any] = {}
        self._callbacks: list[Callable[[Any], None]] = []

    # -- fields ------------------------------------------------------------------
    @property
    def auth_kind(self) -> str:
        return self._auth_kind

    @auth_kind.setter
    def auth_kind(self, kind: str) -> None:
        kinds = self.auth_kinds()
        if kind not in kinds:
            raise ValueError(f"auth kind must be one of {sorted(kinds)}, not {kind!r}")
        self._auth_kind = kind

    def _kind_from(self, env: Mapping[str, str]) -> str:
        """The first kind whose pre-filled fields are set; a session token in the environment picks
        ``session`` when nothing else is pre-filled; else the backend's first kind."""
        kinds = registry.get(self.backend).auth_kinds
        for kind in kinds:
            if any(f.env and self._values.get(f.name) for f in kind.fields):
                return kind.key
        if env.get("TRACKFRAMES_SESSION_TOKEN") and "session" in self.auth_kinds():
            return "session"
        return kinds[0].key

    def label(self, name: str) -> str:
        """How the current backend words field ``name``."""
        for kind in registry.get(self.backend).auth_kinds:
            for f in kind.fields:
                if f.name == name:
                    return f.label
        return FIELD_LABELS[name]

    def auth_kinds(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Auth kinds of the current backend: kind → (label, fields)."""
        return AUTH_KINDS[self.backend]

    def fields(self) -> tuple[str, ...]:
        """The fields the current auth kind needs, in display order."""
        return self.auth_kinds()[self.auth_kind][1]

    def set(self, name: str, value: str) -> None:
        """Set a field value (``url`` and the credential fields)."""
        if name == "url":
            self.url = value or ""
        elif name in self._values:
            self._values[name] = value or ""
        else:
            raise KeyError(name)

    def get(self, name: str) -> str:
        """A non-secret field value (secrets cannot be read back)."""
        if name == "url":
            return self.url
        if name in SECRET_FIELDS:
            raise KeyError(f"{name} is a secret and cannot be read back")
        return self._values[name]

    def clear_secrets(self) -> None:
        """Forget every secret value."""
        for name in SECRET_FIELDS:
            self._values[name] = ""

    def missing(self) -> list[str]:
        """Required fields of the current kind that are still empty (plus ``url``)."""
        out = [] if self.url.strip() else ["url"]
        return out + [n for n in self.fields() if n not in OPTIONAL_FIELDS and not self._values[n].strip()]

    def credential(self) -> Credential:
        """The credential described by the form (raises ``ValueError`` when a field is missing)."""
        missing = [n for n in self.missing() if n != "url"]
        if missing:
            raise ValueError("Please fill in: " + ", ".join(self.label(n) for n in missing) + ".")
        return registry.get(self.backend).auth_kind(self.auth_kind).build(self._values)

    # -- connecting ----------------------------------------------------------------
    def on_connect(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(site)`` after each successful connection."""
        self._callbacks.append(callback)

    def connect(self) -> Any:
        """Authenticate; returns the :class:`~trackframes.site.Site` or ``None`` (see :attr:`message`).

        Secrets are cleared before anything is sent, whatever the outcome.
        """
        from ..connect import connect

        from ..urls import redact

        self.status, self.message = "connecting", f"Connecting to {redact(self.url)}…"
        try:
            if not self.url.strip():
                raise ValueError("Please fill in the site URL.")
            credential = self.credential()
        except ValueError as exc:
            self.clear_secrets()
            return self._fail(str(exc))
        self.clear_secrets()
        url = self.url.strip()
        site = None
        try:
            site = connect(url, auth=credential, backend=self.backend, **self.options)
            entities = site.entity_types()  # fetches the token, then the entity list
            identity = dict(site.backend.identity()) if has(site.backend, Capability.IDENTITY) else {}
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message in the form
            if site is not None:
                site.close()
            return self._fail(error_message(exc, url))
        finally:
            del credential
        if self.site is not None and self.site is not site:
            self.site.close()
        self.site, self.identity = site, identity
        who = identity.get("sub") or "unknown user"
        kind = identity.get("user_type")
        who = f"{who} ({kind})" if kind else who
        self.status = "connected"
        self.message = f"Connected to {url} as {who}; {len(entities)} entity types."
        for callback in self._callbacks:
            callback(site)
        return site

    def _fail(self, message: str) -> None:
        self.status, self.message = "error", message
        return None

    def __repr__(self) -> str:
        shown = {n: self._values[n] for n in self.fields() if n not in SECRET_FIELDS}
        return (f"<LoginForm {self.backend} {self.url or '(no url)'} auth={self.auth_kind} "
                f"{shown} status={self.status}>")


# ---------------------------------------------------------------------------------------------
# field picker


@dataclass(frozen=True)
class FieldOption:
    """One choosable field: API name (dotted for linked fields), display name, the tracker's data type,
    the types it links to and its neutral kind (a :class:`~trackframes.schema.FieldKind` value)."""

    name: str
    display_name: str
    data_type: str
    valid_types: tuple[str, ...] = ()
    kind: str = ""

    @property
    def label(self) -> str:
        """``Display name · api_name · data_type``, as shown in the list."""
        return f"{self.display_name} · {self.name} · {self.data_type}"

    @property
    def expandable(self) -> bool:
        """Single-entity fields can be followed one hop (``entity.Shot.code``)."""
        return self.kind == FieldKind.ENTITY.value and "." not in self.name and bool(self.valid_types)


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    try:
        return tuple(str(v) for v in value)
    except TypeError:
        return ()


_TRUE = {"true", "yes", "1", "y", "on"}
_FALSE = {"false", "no", "0", "n", "off"}


def _scalar(kind: FieldKind, text: str, id_kind: FieldKind) -> Any:
    text = text.strip()
    if kind is FieldKind.INTEGER:
        return int(text)
    if kind is FieldKind.FLOAT:
        return float(text)
    if kind is FieldKind.BOOLEAN:
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"{text!r} is not true/false")
    if kind in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY) and ":" in text:
        entity, _, ident = text.partition(":")
        return {"type": entity.strip(), "id": ident.strip() if id_kind is FieldKind.TEXT else int(ident)}
    return text


def coerce_value(kind: FieldKind | str, operator: str, text: str, *, id_kind: FieldKind = FieldKind.INTEGER) -> Any:
    """Turn the text typed in the filter row into the value ``find`` expects, for a field of ``kind``.

    Lists (``in``, ``between``) are comma separated; ``in_last`` and friends take
    ``"7 DAY"``; links are ``Type:id`` (the id a whole number, or text when the
    site's ``id_kind`` is text); numbers and true/false are parsed. Raises
    ``ValueError`` when the text does not fit.

    >>> coerce_value("integer", "between", "1, 5")
    [1, 5]
    >>> coerce_value("date", "in_last", "7 day")
    [7, 'DAY']
    >>> coerce_value("entity", "is", "Shot:4f1c", id_kind=FieldKind.TEXT)
    {'type': 'Shot', 'id': '4f1c'}
    """
    kind = FieldKind(kind)
    if operator in ("in", "not_in", "between", "not_between"):
        parts = [p for p in (s.strip() for s in text.split(",")) if p]
        if operator in ("between", "not_between") and len(parts) != 2:
            raise ValueError("between needs two values separated by a comma")
        return [_scalar(kind, p, id_kind) for p in parts]
    if operator in ("in_last", "not_in_last", "in_next", "not_in_next"):
        bits = text.split()
        if len(bits) != 2:
            raise ValueError("use a number and a unit, e.g. '7 DAY'")
        return [int(bits[0]), bits[1].upper()]
    if operator.startswith("in_calendar_"):
        return int(text)
    if operator in ("type_is", "type_is_not", "name_contains", "name_not_contains", "name_is",
                    "name_starts_with", "name_ends_with", "contains", "not_contains", "starts_with", "ends_with"):
        return text.strip()
    return _scalar(kind, text, id_kind)


class FieldPicker:
    """Choose an entity, fields (one-hop linked ones too) and one simple filter.

    Options are built once per entity (and once per expanded field) and kept;
    :meth:`search` only filters those lists, so large schemas stay quick.
    ``variable`` is the name used for the site in :attr:`code`.
    """

    def __init__(self, site: Any, entity: str | None = None, *, variable: str = "site") -> None:
        self.site = site
        self.variable = variable
        frame = site.entities()
        if "visible" in frame.columns:
            frame = frame[frame["visible"].fillna(True).astype(bool)]
        self.entity_options: list[tuple[str, str]] = sorted(
            ((f"{d} ({n})" if d and d != n else n, n) for n, d in zip(frame["name"], frame["display_name"])),
            key=lambda item: item[0].lower(),
        )
        self._entity_names = {n for _, n in self.entity_options}
        self._options: dict[str, dict[str, FieldOption]] = {}
        self._expanded: dict[tuple[str, str], list[FieldOption]] = {}
        self._keys: dict[str, list[tuple[str, FieldOption]]] = {}
        self._fields: list[str] = []
        self._filter: tuple[str, str, Any] | None = None
        self._entity = ""
        if entity is None and self.entity_options:
            names = [n for _, n in self.entity_options]
            entity = "Shot" if "Shot" in names else names[0]
        if entity is not None:
            self.entity = entity

    # -- entity --------------------------------------------------------------------
    @property
    def entity(self) -> str:
        """The chosen entity type's API name."""
        return self._entity

    @entity.setter
    def entity(self, name: str) -> None:
        if name not in self._entity_names:
            raise ValueError(f"unknown entity type {name!r}")
        if name != self._entity:
            self._entity = name
            self._fields = []
            self._filter = None
            self.options()  # build once

    def search_entities(self, text: str) -> list[tuple[str, str]]:
        """Entity (label, name) pairs whose label contains ``text`` (case-insensitive)."""
        low = text.strip().lower()
        return [o for o in self.entity_options if low in o[0].lower()]

    # -- fields ------------------------------------------------------------------------
    def options(self, entity: str | None = None) -> list[FieldOption]:
        """Direct fields of an entity (built once, then cached), sorted by display name."""
        entity = entity or self._entity
        if entity not in self._options:
            frame = self.site.schema(entity)
            opts = [FieldOption(str(n), str(d) if isinstance(d, str) and d else str(n), str(t), _as_tuple(v), str(k))
                    for n, d, t, v, k in zip(frame["name"], frame["display_name"], frame["data_type"],
                                             frame["valid_types"], frame["kind"])]
            opts.sort(key=lambda o: (o.name != "id", o.display_name.lower()))
            self._options[entity] = {o.name: o for o in opts}
            self._keys[entity] = [(o.label.lower(), o) for o in opts]
        return list(self._options[entity].values())

    def expand(self, field: str) -> list[FieldOption]:
        """The fields one hop through entity field ``field``: ``field.Type.sub`` for each linked type."""
        key = (self._entity, field)
        if key not in self._expanded:
            option = self._options[self._entity].get(field)
            if option is None or not option.expandable:
                raise ValueError(f"{field!r} is not a single-entity field of {self._entity}")
            out = []
            for linked in option.valid_types:
                if linked not in self._entity_names and linked not in self.site.entity_types():
                    continue
                for sub in self.options(linked):
                    if sub.name == "id" or sub.kind == FieldKind.MULTI_ENTITY.value:
                        continue
                    out.append(FieldOption(f"{field}.{linked}.{sub.name}",
                                           f"{option.display_name} → {sub.display_name}",
                                           sub.data_type, sub.valid_types, sub.kind))
            self._expanded[key] = out
            self._keys[self._entity].extend((o.label.lower(), o) for o in out)
        return list(self._expanded[key])

    def option(self, name: str) -> FieldOption:
        """The option for a field API name (direct or already expanded)."""
        direct = self._options[self._entity].get(name)
        if direct is not None:
            return direct
        if name.count(".") == 2:
            head = name.split(".", 1)[0]
            for opt in self.expand(head):
                if opt.name == name:
                    return opt
        raise ValueError(f"unknown field {name!r} of {self._entity}")

    def search(self, text: str) -> list[FieldOption]:
        """Options (direct and expanded) whose label contains every word of ``text``."""
        words = text.lower().split()
        return [o for key, o in self._keys.get(self._entity, []) if all(w in key for w in words)]

    @property
    def fields(self) -> list[str]:
        """The chosen fields, in order, as ``find`` accepts them."""
        return list(self._fields)

    @fields.setter
    def fields(self, names: Sequence[str]) -> None:
        self._fields = []
        self.add(*names)

    def add(self, *names: str) -> None:
        """Append fields (unknown names raise ``ValueError``; duplicates are ignored)."""
        for name in names:
            self.option(name)
            if name not in self._fields:
                self._fields.append(name)

    def remove(self, *names: str) -> None:
        """Drop fields from the selection."""
        self._fields = [f for f in self._fields if f not in names]

    # -- filter ------------------------------------------------------------------------------
    def operators(self, field: str) -> tuple[str, ...]:
        """Operators valid for a field, as its backend says (empty when it cannot be filtered on)."""
        self.option(field)
        spec = self.site.backend.resolve_fields(self._entity, [field])[-1]
        return tuple(self.site.backend.operators(spec))

    def set_filter(self, field: str, operator: str, value: Any) -> None:
        """Set the single filter row; a ``str`` value is parsed with :func:`coerce_value`."""
        ops = self.operators(field)
        if operator not in ops:
            raise ValueError(f"{operator!r} is not valid for {field} (choose from {', '.join(ops) or 'nothing'})")
        if isinstance(value, str):
            value = coerce_value(self.option(field).kind, operator, value, id_kind=self.site.id_kind)
        self._filter = (field, operator, value)

    def clear_filter(self) -> None:
        """Remove the filter row."""
        self._filter = None

    @property
    def filters(self) -> list[list[Any]]:
        """The filter row as ``find`` accepts it (an empty list when there is none)."""
        return [] if self._filter is None else [list(self._filter)]

    # -- result ----------------------------------------------------------------------------------
    @property
    def code(self) -> str:
        """The equivalent ``site.find(...)`` call, to paste into a cell."""
        return (f"{self.variable}.find({self._entity!r}, filters={self.filters!r}, "
                f"fields={self.fields!r})")

    def find(self, limit: int | None = None, **kwargs: Any) -> Any:
        """Run the query the picker describes."""
        return self.site.find(self._entity, self.filters, self.fields, limit=limit, **kwargs)

    def preview(self, limit: int = 10) -> Any:
        """The first ``limit`` rows of the query (without a progress bar)."""
        return self.find(limit=limit, progress=False)

    def __repr__(self) -> str:
        return f"<FieldPicker {self._entity} fields={self._fields!r} filters={self.filters!r}>"
