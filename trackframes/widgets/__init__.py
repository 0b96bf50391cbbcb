"""Notebook widgets: a login form and a field picker (``pip install ipywidgets``).

>>> import trackframes.widgets as tfw          # doctest: +SKIP
>>> login = tfw.login()                         # doctest: +SKIP
>>> picker = tfw.pick_fields(login.site)        # doctest: +SKIP

The headless logic lives in :mod:`trackframes.widgets.core` and needs no
ipywidgets; outside a notebook :func:`login` asks on the terminal instead.
"""

from __future__ import annotations

from typing import Any

__all__ = ["login", "pick_fields", "in_notebook"]

_HINT = "The notebook widgets need ipywidgets: pip install ipywidgets"


def _require_ipywidgets() -> None:
    try:
        import ipywidgets  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_HINT) from exc


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where widgets can render)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def login(url: str | None = None, backend: str = "shotgrid", *, widget: bool | None = None, **options: Any) -> Any:
    """A login form (:class:`~trackframes.widgets.login.LoginWidget`) in a notebook; prompts elsewhere.

    ``widget=True``/``False`` forces one or the other. The widget exposes the
    connection as ``.site``; the prompt fallback returns the Site itself.
    ``options`` (``auth_kind``, ``timeout``, ``verify``, ...) reach the form.
    """
    if widget is None:
        widget = in_notebook()
    if not widget:
        from .prompt import prompt_login

        return prompt_login(url, backend, **options)
    _require_ipywidgets()
    from .login import LoginWidget

    return LoginWidget(url, backend, **options)


def pick_fields(site: Any, entity: str | None = None, **options: Any) -> Any:
    """A field picker (:class:`~trackframes.widgets.fields.FieldPickerWidget`) for ``site``."""
    _require_ipywidgets()
    from .fields import FieldPickerWidget

    return FieldPickerWidget(site, entity, **options)
