"""The field picker as ipywidgets: a thin view over :class:`~trackframes.widgets.core.FieldPicker`.

Widgets are built once. Typing in a search box only swaps the ``options`` of
an existing list (filtered from option lists built once per entity), so
schemas with hundreds of fields stay responsive.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from .core import FieldPicker

__all__ = ["FieldPickerWidget"]

_NO_FILTER = ("(no filter)", "")


class FieldPickerWidget(widgets.VBox):
    """Entity dropdown, searchable field list, chosen fields, one filter row, Preview and the code."""

    def __init__(self, site: Any, entity: str | None = None, *, variable: str = "site", limit: int = 10) -> None:
        self.picker = FieldPicker(site, entity, variable=variable)
        self.limit = limit
        self._syncing = False
        wide = widgets.Layout(width="520px")
        self.entity_search = widgets.Text(description="Find entity", placeholder="type to narrow the list",
                                          layout=wide)
        self.entity_dropdown = widgets.Dropdown(options=self.picker.entity_options, value=self.picker.entity or None,
                                       description="Entity", layout=wide)
        self.field_search = widgets.Text(description="Find field", placeholder="display name, API name or type",
                                         layout=wide)
        self.available = widgets.SelectMultiple(options=[], rows=10, description="Fields",
                                                layout=widgets.Layout(width="520px"))
        self.add_button = widgets.Button(description="Add", icon="plus", tooltip="Add the highlighted fields")
        self.expand_button = widgets.Button(description="Expand link", icon="sitemap",
                                            tooltip="Offer the fields of the highlighted entity field (one hop)")
        self.chosen = widgets.SelectMultiple(options=[], rows=5, description="Chosen",
                                             layout=widgets.Layout(width="520px"))
        self.remove_button = widgets.Button(description="Remove", icon="minus")
        self.filter_field = widgets.Dropdown(options=[_NO_FILTER], value="", description="Filter")
        self.filter_operator = widgets.Dropdown(options=[], description="", layout=widgets.Layout(width="160px"))
        self.filter_value = widgets.Text(placeholder="value (lists: a, b)", layout=widgets.Layout(width="200px"))
        self.preview_button = widgets.Button(description="Preview", button_style="primary", icon="table")
        self.status = widgets.HTML(value="")
        self.code_box = widgets.HTML(value="")
        self.table = widgets.HTML(value="")

        self.entity_search.observe(self._on_entity_search, names="value")
        self.entity_dropdown.observe(self._on_entity, names="value")
        self.field_search.observe(lambda _c: self._refresh_available(), names="value")
        self.add_button.on_click(lambda _b: self.add_highlighted())
        self.expand_button.on_click(lambda _b: self.expand_highlighted())
        self.remove_button.on_click(lambda _b: self.remove_highlighted())
        self.filter_field.observe(self._on_filter_field, names="value")
        self.filter_operator.observe(lambda _c: self._apply_filter(), names="value")
        self.filter_value.observe(lambda _c: self._apply_filter(), names="value")
        self.preview_button.on_click(lambda _b: self.run_preview())
        super().__init__(children=[
            self.entity_search, self.entity_dropdown, self.field_search, self.available,
            widgets.HBox([self.add_button, self.expand_button]),
            self.chosen, self.remove_button,
            widgets.HBox([self.filter_field, self.filter_operator, self.filter_value]),
            self.preview_button, self.status, self.code_box, self.table,
        ])
        self._reset_entity()

    # -- plain values ------------------------------------------------------------------
    @property
    def entity(self) -> str:
        """The chosen entity type's API name."""
        return self.picker.entity

    @property
    def fields(self) -> list[str]:
        """Chosen fields, as ``find`` accepts them."""
        return self.picker.fields

    @property
    def filters(self) -> list[list[Any]]:
        """The filter row, as ``find`` accepts it."""
        return self.picker.filters

    @property
    def code(self) -> str:
        """The equivalent ``site.find(...)`` call."""
        return self.picker.code

    @property
    def frame(self) -> Any:
        """The last preview frame, or ``None``."""
        return self._frame

    # -- actions -------------------------------------------------------------------------
    def add_highlighted(self) -> None:
        """What Add does: append the highlighted fields to the chosen list."""
        self.picker.add(*self.available.value)
        self._after_change()

    def expand_highlighted(self) -> None:
        """What Expand link does: offer ``field.Type.sub`` for each highlighted entity field."""
        done = []
        for name in self.available.value:
            if self.picker.option(name).expandable:
                self.picker.expand(name)
                done.append(name)
        self._refresh_available()
        self._refresh_filter_fields()
        self._say("Linked fields added for " + ", ".join(done) if done else "Highlight an entity field to expand.")

    def remove_highlighted(self) -> None:
        """What Remove does."""
        self.picker.remove(*self.chosen.value)
        self._after_change()

    def run_preview(self) -> Any:
        """What Preview does: run ``find`` with a small limit and show the rows."""
        try:
            df = self.picker.preview(self.limit)
        except Exception as exc:  # noqa: BLE001 - shown in the widget, not as a traceback
            self._frame = None
            self.table.value = ""
            self._say(f"Preview failed: {exc}", error=True)
            return None
        self._frame = df
        self.table.value = df.to_html(index=False, max_rows=self.limit, classes="trackframes-preview")
        self._say(f"{len(df)} row(s) of {self.picker.entity}.")
        return df

    def __repr__(self) -> str:
        return f"<FieldPickerWidget {self.picker!r}>"

    # -- internals ---------------------------------------------------------------------------
    def _on_entity_search(self, change: dict[str, Any]) -> None:
        options = self.picker.search_entities(change["new"]) or self.picker.entity_options
        current = self.entity_dropdown.value
        self.entity_dropdown.options = options
        if current in {n for _, n in options}:
            self.entity_dropdown.value = current

    def _on_entity(self, change: dict[str, Any]) -> None:
        if change["new"] and change["new"] != self.picker.entity:
            self.picker.entity = change["new"]
            self.filter_value.value = ""  # a new entity starts without a filter
            self.filter_field.value = ""
            self._reset_entity()

    def _reset_entity(self) -> None:
        self._frame = None
        self.table.value = ""
        self._refresh_available()
        self._refresh_filter_fields()
        self._after_change()

    def _refresh_available(self) -> None:
        if not self.picker.entity:
            return
        self.available.options = [(o.label, o.name) for o in self.picker.search(self.field_search.value)]

    def _refresh_filter_fields(self) -> None:
        current = self.filter_field.value
        names = [(o.label, o.name) for o in self.picker.search("") if self.picker.operators(o.name)]
        self._syncing = True
        try:
            self.filter_field.options = [_NO_FILTER, *names]
            self.filter_field.value = current if current in {n for _, n in names} else ""
        finally:
            self._syncing = False
        self._on_filter_field({"new": self.filter_field.value})

    def _on_filter_field(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        name = change["new"]
        self._syncing = True
        try:
            self.filter_operator.options = list(self.picker.operators(name)) if name else []
        finally:
            self._syncing = False
        self._apply_filter()

    def _apply_filter(self) -> None:
        if self._syncing:
            return
        field, operator, text = self.filter_field.value, self.filter_operator.value, self.filter_value.value
        if not field or not operator or not text.strip():
            self.picker.clear_filter()
            self._after_change()
            return
        try:
            self.picker.set_filter(field, operator, text)
        except ValueError as exc:
            self.picker.clear_filter()
            self._after_change()
            self._say(f"Filter not applied: {exc}", error=True)
            return
        self._after_change()

    def _after_change(self) -> None:
        self.chosen.options = [(self.picker.option(n).label, n) for n in self.picker.fields]
        self.code_box.value = f"<pre>{html.escape(self.picker.code)}</pre>"
        self._say("")

    def _say(self, message: str, *, error: bool = False) -> None:
        colour = "#cf222e" if error else "#57606a"
        self.status.value = f'<span style="color:{colour}">{html.escape(message)}</span>' if message else ""
