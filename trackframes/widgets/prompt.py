"""Terminal fallback for :func:`trackframes.widgets.login`: ``input``/``getpass`` prompts over the same core."""

from __future__ import annotations

import getpass as _getpass
from typing import Any, Callable, Mapping

from .core import SECRET_FIELDS, LoginForm

__all__ = ["prompt_login"]


def prompt_login(url: str | None = None, backend: str = "shotgrid", *, auth_kind: str | None = None,
                 attempts: int = 3, env: Mapping[str, str] | None = None,
                 ask: Callable[[str], str] = input, ask_secret: Callable[[str], str] = _getpass.getpass,
                 say: Callable[[str], None] = print, **options: Any) -> Any:
    """Ask for the site and credentials on the terminal; returns the connected Site.

    Non-secret answers default to the ``TRACKFRAMES_*`` environment; secrets
    are read with ``getpass`` and never echoed. A failed attempt prints the same
    message the widget would show and asks again, up to ``attempts`` times;
    then ``ConnectionError`` is raised with that message.
    """
    form = LoginForm(url, backend, auth_kind=auth_kind, env=env, **options)
    form.set("url", _ask(ask, "Site URL", form.url))
    if auth_kind is None:
        kinds = form.auth_kinds()
        menu = ", ".join(f"{kind} = {label}" for kind, (label, _f) in kinds.items())
        while True:
            choice = _ask(ask, f"Sign in with ({menu})", form.auth_kind)
            if choice in kinds:
                form.auth_kind = choice
                break
            say(f"Please answer one of: {', '.join(kinds)}.")
    for attempt in range(attempts):
        for name in form.fields():
            if name in SECRET_FIELDS:
                form.set(name, ask_secret(f"{form.label(name)}: "))
            elif attempt == 0:
                form.set(name, _ask(ask, form.label(name), form.get(name)))
        site = form.connect()
        say(form.message)
        if site is not None:
            return site
    raise ConnectionError(form.message)


def _ask(ask: Callable[[str], str], label: str, default: str) -> str:
    answer = ask(f"{label} [{default}]: " if default else f"{label}: ").strip()
    return answer or default
