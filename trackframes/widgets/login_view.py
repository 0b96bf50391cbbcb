"""The login form as ipywidgets: a thin view over :class:`~trackframes.widgets.core.LoginForm`."""

from __future__ import annotations

import html
from typing import Any, Callable, Mapping

import ipywidgets as widgets

from .core import BACKENDS, FIELD_LABELS, SECRET_FIELDS, LoginForm

__all__ = ["LoginWidget"]

_STATUS_COLOURS = {"connected": "#1a7f37", "error": "#cf222e", "connecting": "#57606a", "idle": "#57606a"}


class LoginWidget(widgets.VBox):
    """Site URL, backend, auth kind with only the fields it needs, a Connect button and a status line.

    After a successful Connect the connection is :attr:`site`; ``on_connect``
    callbacks receive it. Every secret field is emptied as soon as Connect is
    pressed, whatever the outcome.
    """

    def __init__(self, url: str | None = None, backend: str = "shotgrid", *, auth_kind: str | None = None,
                 env: Mapping[str, str] | None = None, **options: Any) -> None:
        self.form = LoginForm(url, backend, auth_kind=auth_kind, env=env, **options)
        self._clearing = False
        style = {"description_width": "110px"}

        def layout() -> widgets.Layout:  # one Layout per widget: fields are shown/hidden one by one
            return widgets.Layout(width="460px")

        self.url = widgets.Text(value=self.form.url, description="Site URL", placeholder="https://studio.example.com",
                                style=style, layout=layout())
        self.backend = widgets.Dropdown(options=[(label, name) for name, label in BACKENDS.items()],
                                        value=self.form.backend, description="Backend", style=style, layout=layout())
        self.auth_kind = widgets.Dropdown(options=self._kind_options(), value=self.form.auth_kind,
                                          description="Sign in with", style=style, layout=layout())
        self.inputs: dict[str, widgets.Text | widgets.Password] = {}
        for name, label in FIELD_LABELS.items():
            cls = widgets.Password if name in SECRET_FIELDS else widgets.Text
            value = "" if name in SECRET_FIELDS else self.form.get(name)
            self.inputs[name] = cls(value=value, description=label, style=style, layout=layout())
        self.connect_button = widgets.Button(description="Connect", button_style="primary", icon="plug")
        self.status = widgets.HTML(value="")
        self.url.observe(lambda change: self.form.set("url", change["new"]), names="value")
        self.backend.observe(self._on_backend, names="value")
        self.auth_kind.observe(self._on_kind, names="value")
        for name, box in self.inputs.items():
            box.observe(self._setter(name), names="value")
        self.connect_button.on_click(lambda _button: self.connect())
        super().__init__(children=[self.url, self.backend, self.auth_kind, *self.inputs.values(),
                                   self.connect_button, self.status])
        self._show_fields()

    # -- public ------------------------------------------------------------------
    @property
    def site(self) -> Any:
        """The connected :class:`~trackframes.site.Site`, or ``None``."""
        return self.form.site

    @property
    def message(self) -> str:
        """The status line as plain text."""
        return self.form.message

    def on_connect(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(site)`` after each successful connection."""
        self.form.on_connect(callback)

    def connect(self) -> Any:
        """What the Connect button does: clear secrets, authenticate, show the outcome."""
        self._clearing = True  # the form already holds the secrets; empty the visible boxes first
        try:
            for name in SECRET_FIELDS:
                self.inputs[name].value = ""
        finally:
            self._clearing = False
        self.connect_button.disabled = True
        self._show_status("connecting", f"Connecting to {self.form.url}…")
        try:
            site = self.form.connect()
        finally:
            self.connect_button.disabled = False
            self.form.clear_secrets()
        self._show_status(self.form.status, self.form.message)
        return site

    def __repr__(self) -> str:
        return f"<LoginWidget {self.form.backend} {self.form.url or '(no url)'} status={self.form.status}>"

    # -- internals ---------------------------------------------------------------------------
    def _kind_options(self) -> list[tuple[str, str]]:
        return [(label, kind) for kind, (label, _fields) in self.form.auth_kinds().items()]

    def _setter(self, name: str) -> Callable[[dict[str, Any]], None]:
        def update(change: dict[str, Any]) -> None:
            if not self._clearing:
                self.form.set(name, change["new"])
        return update

    def _on_backend(self, change: dict[str, Any]) -> None:
        self.form.backend = change["new"]
        self.auth_kind.options = self._kind_options()
        for name, box in self.inputs.items():
            box.description = self.form.label(name)
        self._show_fields()

    def _on_kind(self, change: dict[str, Any]) -> None:
        self.form.auth_kind = change["new"]
        self._show_fields()

    def _show_fields(self) -> None:
        needed = set(self.form.fields())
        for name, box in self.inputs.items():
            box.layout.display = None if name in needed else "none"

    def _show_status(self, status: str, message: str) -> None:
        colour = _STATUS_COLOURS.get(status, "#57606a")
        self.status.value = f'<span style="color:{colour}">{html.escape(message)}</span>' if message else ""
