"""Every control of the app (declared in :mod:`vae_ui.settings`) bound to its widget, its value kept in the URL.

A control's value lives in ``st.session_state["values"][key]`` (:data:`vae_ui.session.state.VALUES`: a plain dict,
not a widget key, so it survives page switches). On the first run of a session the URL's query parameters seed those
values; a value that is malformed or out of range falls back to the default and leaves a note on the page. After every
run the URL is rewritten with the values that differ from their defaults, so a copied link restores the same page and
the same picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from vae_ui.session import state
from vae_ui.session.user_text import escape, shorten
from vae_ui.settings import JOIN, REGISTRY, SHARED, Control


def init_state() -> None:
    """Seed every control once per session: its default, or a valid value from the URL."""
    if state.VALUES.held():
        return
    state.VALUES.set({key: c.default for key, c in REGISTRY.items()})
    notes = []
    for key, raw in st.query_params.to_dict().items():
        if key == JOIN:  # a student's join link: the vote page, not a control
            state.JOIN_CODE.set(raw[:12])
            continue
        control = REGISTRY.get(key)
        if control is None:
            notes.append(f"unknown link parameter '{shorten(key)}' ignored")
            continue
        try:
            values()[key] = control.parse(raw)
        except ValueError as err:
            notes.append(f"{control.label}: '{shorten(raw)}' is not allowed ({err}); using {control.encode(control.default)}")
    state.URL_NOTES.set(notes)


def student() -> bool:
    """Whether this session came through a class's join link (it sees the vote page only)."""
    return state.JOIN_CODE.held()


def values() -> dict[str, Any]:
    """Every control's value now, by key (read-only by convention: change one with :func:`set_value`)."""
    return state.VALUES.get()


def value(key: str) -> Any:
    return values()[key]


def set_value(key: str, new: Any) -> None:
    values()[key] = new


def widget(key: str, container: Any = None, instance: int = 0, **overrides: Any) -> Any:
    """Draw the control's widget (its value from the store), store what it returns, return it.

    A page may override the widget's label, range or step (say, a slider up to the epochs trained). Streamlit
    folds those into the widget's identity: a changed one is a new widget, which would start from its minimum.
    So whenever they change, the new widget is given the stored value (clamped to its range) before it is drawn.
    A page that set the value while the widget was not drawn asks for a new ``instance``: the browser may still hold
    the old widget's last value and send it back, the new one it has never seen; its value is sent again on every
    run, so a browser that missed the run which made it does not draw it at its minimum.
    """
    control = REGISTRY[key]
    container = container if container is not None else st
    wkey = state.widget_key(key, instance)
    label = overrides.pop("label", control.label)
    kwargs: dict[str, Any] = {"key": wkey, "help": control.help}
    if control.kind in ("slider", "number"):
        kwargs |= {"min_value": control.lo, "max_value": control.hi, "step": control.step}
    elif control.kind in ("select_slider", "select", "multiselect"):
        kwargs |= {"options": list(control.options), "format_func": control.fmt or str}
    kwargs |= overrides
    current = value(key)
    shown = st.session_state.get(wkey)
    if control.kind in ("slider", "number"):
        lo, hi = kwargs["min_value"], kwargs["max_value"]
        if not lo <= current <= hi:
            current = min(max(current, lo), hi)
            set_value(key, current)
        if shown is not None and not lo <= shown <= hi:
            shown = None  # redrawn from the clamped value
    identity = repr((label, sorted((k, v) for k, v in kwargs.items() if k != "key")))
    identities = state.WIDGET_IDENTITIES.setdefault()
    if shown is None or identities.get(key) != identity:
        st.session_state[wkey] = list(current) if control.kind == "multiselect" else current
    elif instance:  # said again on every run: the run that made it may have been cut short by the next request,
        st.session_state[wkey] = shown  # and a browser that never got the value shows the slider at its minimum
    identities[key] = identity
    draw = {"slider": container.slider, "select_slider": container.select_slider, "select": container.selectbox,
            "toggle": container.toggle, "number": container.number_input, "multiselect": container.multiselect}
    new = draw[control.kind](label, **kwargs)
    if control.kind == "multiselect":
        new = tuple(new) or control.default  # never empty: fall back to the default choice
    if not control.allows(new, kwargs.get("min_value"), kwargs.get("max_value")):  # only a crafted client sends it
        refuse(f"{label}: the value sent ({shorten(repr(new), 30)}) is not allowed; kept {control.encode(current)}")
        new = current
        identities[key] = None  # the next run gives the widget the kept value
    set_value(key, new)
    mark_drawn(key)
    return new


def refuse(note: str) -> None:
    """Tell this session that a value its client sent was not used (as text: the value is the client's)."""
    st.toast(escape(note), icon=":material/block:")


def row(*keys: str, overrides: dict[str, dict[str, Any]] | None = None) -> tuple:
    """The controls ``keys`` side by side, one column each; their values in order."""
    overrides = overrides or {}
    return tuple(widget(key, column, **overrides.get(key, {})) for key, column in zip(keys, st.columns(len(keys))))


def mark_drawn(key: str) -> None:
    """Record that this run shows control ``key``, so the URL carries it."""
    drawn = state.PAGE_KEYS.setdefault()
    if key not in drawn:
        drawn.append(key)


def tabs(key: str) -> list:
    """Tabs whose active label is a control (kept in the URL); only the open tab's code needs to run.

    Returns the tab containers; ``tab.open`` is True for the active one. The tabs' identity never changes
    (no ``default=``, which Streamlit folds into it: each switch would make new tabs that lose the next click);
    the active tab is set through the widget's session state before it is drawn.
    """
    control = REGISTRY[key]
    wkey = state.widget_key(key)
    if st.session_state.get(wkey) not in control.options:
        st.session_state[wkey] = value(key)
    containers = st.tabs(list(control.options), key=wkey, on_change="rerun")
    active = st.session_state.get(wkey)
    if active in control.options:
        set_value(key, active)
    mark_drawn(key)
    return containers


def reset() -> None:
    """Put every control back to its default (a button callback: runs before the next run)."""
    for key in REGISTRY:
        set_value(key, REGISTRY[key].default)
        st.session_state.pop(state.widget_key(key), None)
    state.URL_NOTES.set([])


def url_params(keys: Sequence[str]) -> dict[str, str]:
    """The query parameters for ``keys``: only values that differ from their defaults."""
    return {k: Control.encode(value(k)) for k in keys if value(k) != REGISTRY[k].default}


def sync_page_url() -> None:
    """Make the URL hold this page's controls (the shared ones and those drawn in this run)."""
    sync_url(list(SHARED) + state.PAGE_KEYS.get())


def sync_url(keys: Sequence[str]) -> None:
    """Make the URL hold exactly the non-default values of ``keys`` (the shared and page controls)."""
    wanted = url_params(keys)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
