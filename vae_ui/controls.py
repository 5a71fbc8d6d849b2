"""Every control of the app, with its default and range, and its value kept in the URL.

A control's value lives in ``st.session_state["values"][key]`` (a plain dict, not a widget key,
so it survives page switches). On the first run of a session the URL's query parameters seed
those values; a value that is malformed or out of range falls back to the default and leaves a
note on the page. After every run the URL is rewritten with the values that differ from their
defaults, so a copied link restores the same page and the same picture.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

MAX_URL_VALUE = 200  # longer query values are not parsed at all


@dataclass(frozen=True)
class Control:
    """One widget: its URL key, label, default and the values it may take."""

    key: str
    label: str
    default: Any
    kind: str  # "slider", "select_slider", "select", "toggle", "number", "multiselect"
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    options: tuple = ()
    help: str | None = None
    fmt: Callable[[Any], str] | None = field(default=None, compare=False)

    def parse(self, raw: str) -> Any:
        """The value a URL string stands for; ValueError when it is not allowed."""
        if len(raw) > MAX_URL_VALUE:
            raise ValueError("too long")
        if self.kind == "toggle":
            if raw.lower() in ("1", "true", "on", "yes"):
                return True
            if raw.lower() in ("0", "false", "off", "no"):
                return False
            raise ValueError("not on/off")
        if self.kind == "multiselect":
            values = tuple(self._one(part) for part in raw.split(",") if part != "")
            if not values or len(set(values)) != len(values):
                raise ValueError("empty or repeated")
            return values
        return self._one(raw)

    def _one(self, raw: str) -> Any:
        if self.options:
            for option in self.options:
                if raw == self.encode(option):
                    return option
            raise ValueError("not one of the choices")
        number = float(raw)  # ValueError for text
        if not math.isfinite(number) or number < self.lo or number > self.hi:
            raise ValueError(f"outside {self.lo:g}..{self.hi:g}")
        if isinstance(self.default, int) and not isinstance(self.default, bool):
            if number != int(number):
                raise ValueError("not a whole number")
            return int(number)
        return number

    @staticmethod
    def encode(value: Any) -> str:
        """The URL string of a value (the inverse of ``parse``)."""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, tuple):
            return ",".join(Control.encode(v) for v in value)
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


REGISTRY: dict[str, Control] = {}


def register(*controls: Control) -> None:
    for control in controls:
        REGISTRY[control.key] = control


def init_state() -> None:
    """Seed every control once per session: its default, or a valid value from the URL."""
    ss = st.session_state
    if "values" in ss:
        return
    ss["values"] = {key: c.default for key, c in REGISTRY.items()}
    notes = []
    for key, raw in st.query_params.to_dict().items():
        control = REGISTRY.get(key)
        if control is None:
            notes.append(f"unknown link parameter '{shorten(key)}' ignored")
            continue
        try:
            ss["values"][key] = control.parse(raw)
        except ValueError as err:
            notes.append(f"{control.label}: '{shorten(raw)}' is not allowed ({err}); using {control.encode(control.default)}")
    ss["url_notes"] = notes


def shorten(text: str, limit: int = 40) -> str:
    """A user's text, cut to ``limit`` characters, for messages (shown as plain text)."""
    return text if len(text) <= limit else text[:limit] + "…"


def value(key: str) -> Any:
    return st.session_state["values"][key]


def set_value(key: str, new: Any) -> None:
    st.session_state["values"][key] = new


def widget(key: str, container: Any = None, **overrides: Any) -> Any:
    """Draw the control's widget (its value from the store), store what it returns, return it."""
    control = REGISTRY[key]
    container = container if container is not None else st
    wkey = f"w_{key}"
    current = value(key)
    if control.kind in ("slider", "number"):  # a page may narrow the range (say, to the epochs trained)
        lo, hi = overrides.get("min_value", control.lo), overrides.get("max_value", control.hi)
        if not lo <= current <= hi:
            current = min(max(current, lo), hi)
            set_value(key, current)
        shown = st.session_state.get(wkey)
        if shown is not None and not lo <= shown <= hi:
            st.session_state.pop(wkey)  # the widget is redrawn from the clamped value
    if wkey not in st.session_state:
        st.session_state[wkey] = list(current) if control.kind == "multiselect" else current
    label = overrides.pop("label", control.label)
    kwargs: dict[str, Any] = {"key": wkey, "help": control.help}
    if control.kind in ("slider", "number"):
        kwargs |= {"min_value": control.lo, "max_value": control.hi, "step": control.step}
    elif control.kind in ("select_slider", "select", "multiselect"):
        kwargs |= {"options": list(control.options), "format_func": control.fmt or str}
    kwargs |= overrides
    draw = {"slider": container.slider, "select_slider": container.select_slider, "select": container.selectbox,
            "toggle": container.toggle, "number": container.number_input, "multiselect": container.multiselect}
    new = draw[control.kind](label, **kwargs)
    if control.kind == "multiselect":
        new = tuple(new) or control.default  # never empty: fall back to the default choice
    set_value(key, new)
    mark_drawn(key)
    return new


def row(*keys: str, overrides: dict[str, dict[str, Any]] | None = None) -> tuple:
    """The controls ``keys`` side by side, one column each; their values in order."""
    overrides = overrides or {}
    return tuple(widget(key, column, **overrides.get(key, {})) for key, column in zip(keys, st.columns(len(keys))))


def step(key: str, current: Any, presses: int) -> Any:
    """The value control ``key`` takes ``presses`` arrow-key presses from ``current`` (negative: to the
    left), or None past either end. A slider's value is rounded to its step, as the browser sends it
    (0.35, not 0.35000000000000003).
    """
    control = REGISTRY[key]
    if control.options:
        at = control.options.index(current) + presses
        return control.options[at] if 0 <= at < len(control.options) else None
    decimals = len(f"{control.step:g}".partition(".")[2])
    value = round(current + presses * control.step, decimals)
    return type(control.default)(value) if control.lo <= value <= control.hi else None


def neighbours(key: str, current: Any, steps: int = 2) -> list:
    """The values control ``key`` takes 1 … ``steps`` arrow-key presses either side of ``current``,
    farthest first: :func:`vae_ui.runs.prefetch` serves its newest wish first, so the nearest ones are
    trained first.
    """
    offsets = [d for k in range(steps, 0, -1) for d in (-k, k)]
    return [v for v in (step(key, current, d) for d in offsets) if v is not None]


def mark_drawn(key: str) -> None:
    """Record that this run shows control ``key``, so the URL carries it."""
    drawn = st.session_state.setdefault("page_keys", [])
    if key not in drawn:
        drawn.append(key)


def tabs(key: str) -> list:
    """Tabs whose active label is a control (kept in the URL); only the open tab's code needs to run.

    Returns the tab containers; ``tab.open`` is True for the active one.
    """
    control = REGISTRY[key]
    wkey = f"w_{key}"
    containers = st.tabs(list(control.options), default=value(key), key=wkey, on_change="rerun")
    active = st.session_state.get(wkey) or value(key)
    if active in control.options:
        set_value(key, active)
    mark_drawn(key)
    return containers


def reset(keys: Sequence[str] | None = None) -> None:
    """Put controls back to their defaults (a button callback: runs before the next run)."""
    for key in keys if keys is not None else REGISTRY:
        set_value(key, REGISTRY[key].default)
        st.session_state.pop(f"w_{key}", None)
    st.session_state["url_notes"] = []


def url_params(keys: Sequence[str]) -> dict[str, str]:
    """The query parameters for ``keys``: only values that differ from their defaults."""
    return {k: Control.encode(value(k)) for k in keys if value(k) != REGISTRY[k].default}


def sync_url(keys: Sequence[str]) -> None:
    """Make the URL hold exactly the non-default values of ``keys`` (the shared and page controls)."""
    wanted = url_params(keys)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
