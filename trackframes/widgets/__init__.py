"""Notebook widgets: a login form and a field picker (ipywidgets comes with trackframes).

>>> import trackframes.widgets as tfw          # doctest: +SKIP
>>> login = tfw.login()                         # doctest: +SKIP
>>> picker = tfw.pick_fields(login.site)        # doctest: +SKIP

The headless logic lives in :mod:`trackframes.widgets.core` and needs no
ipywidgets; outside a notebook :func:`login` asks on the terminal instead.
The ipywidgets views live in :mod:`.login_view` and :mod:`.picker_view`
(named apart from the functions, so that importing a view never replaces
``trackframes.widgets.login`` by a module). ipywidgets and IPython are
imported only when a widget is built, never by ``import trackframes``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["login", "pick_fields", "in_notebook"]

_HINT = ("The notebook widgets need ipywidgets, a dependency of trackframes that cannot be imported here; "
         "repair the environment with: pip install ipywidgets")


def _require_ipywidgets() -> None:
    try:
        import ipywidgets  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_HINT) from exc


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where widgets can render).

    A kernel has imported IPython already; outside one, IPython is not imported
    just to find that out (scripts and cron jobs never load it).

    >>> import trackframes.widgets as tfw
    >>> tfw.in_notebook()
    False
    """
    import sys

    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def login(url: str | None = None, backend: str = "shotgrid", *, widget: bool | None = None, **options: Any) -> Any:
    """A login form (:class:`~trackframes.widgets.login_view.LoginWidget`) in a notebook; prompts elsewhere.

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
    from .login_view import LoginWidget

    return LoginWidget(url, backend, **options)


def pick_fields(site: Any, entity: str | None = None, **options: Any) -> Any:
    """A field picker (:class:`~trackframes.widgets.picker_view.FieldPickerWidget`) for ``site``."""
    _require_ipywidgets()
    from .picker_view import FieldPickerWidget

    return FieldPickerWidget(site, entity, **options)
