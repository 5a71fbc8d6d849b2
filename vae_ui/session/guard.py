"""What a crafted client sends that Streamlit would act on badly: widget values it cannot read (dropped, with a
note, instead of a traceback), and a "Clear cache" of the caches every session shares (refused).

A browser sends each widget's value in the field its widget expects (a slider a list of numbers, a select-slider
a list of strings). A crafted client may send any field with any value — a string or a bool to a slider, a list
of numbers to a select box, an id no widget has — and Streamlit's reading of it (the widget's deserializer, or
its session state taking a made-up id for a key) raises inside the script: the page shows "This app has
encountered an error". :func:`install` wraps that reading: a value that does not read is dropped (the widget
keeps the value the session had) and the session is told (:func:`refused`). The value stays where it is until
the client sends another; each reading of it fails alike. A value that reads but is not allowed (NaN to the
seed, a duplicate choice) is the controls' business: :func:`vae_ui.session.controls.widget` checks each against its
declaration.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from streamlit.proto.WidgetStates_pb2 import WidgetState as WidgetStateProto
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.runtime.state.common import is_element_id
from streamlit.runtime.state.session_state import Serialized, WStates

MAX_SESSIONS = 1024  # sessions whose refused values wait to be told (a bound: a flood of them drops the oldest)
_refused: OrderedDict[str, int] = OrderedDict()  # session id -> values dropped since its page last said so
_lock = threading.Lock()
_log = logging.getLogger(__name__)
_original = WStates.__getitem__
_original_set = WStates.set_widget_from_proto


def _guarded_getitem(self: WStates, k: str) -> object:
    state = self.states.get(k)
    metadata = self.widget_metadata.get(k)
    if not isinstance(state, Serialized) or metadata is None:
        return _original(self, k)
    sent = state.value.WhichOneof("value")
    if sent is not None and metadata.value_type is not None and not _readable(sent, metadata.value_type):
        _count()  # a field the widget does not read (reading it would also make it the field the widget writes)
        _log.info("dropped %s sent to %s (it reads %s)", sent, k, metadata.value_type)
        raise KeyError(k)
    try:
        return _original(self, k)
    except Exception as err:  # noqa: BLE001 - whatever a deserializer raises on a value no browser sends
        _log.info("dropped the %s sent to %s: %r", sent, k, err)
        _count()  # (not deleted: Streamlit may be iterating over the states; each reading fails the same way)
        raise KeyError(k) from None  # as if the client had sent nothing: the widget shows the session's value


NUMBERS = {"int_value", "double_value"}  # a number input registers double_value; the browser sends int_value for whole numbers


def _readable(sent: str, reads: str) -> bool:
    """Whether a widget that reads the field ``reads`` can read a value sent in the field ``sent``."""
    return sent == reads or {sent, reads} <= NUMBERS


def _guarded_set_widget_from_proto(self: WStates, state: WidgetStateProto) -> None:
    if not is_element_id(state.id):  # an id no widget has ("", or made up): Streamlit would take it for a user key
        _log.info("dropped a value sent to the id %r", state.id[:40])
        _count()
        return
    _original_set(self, state)


def _count() -> None:
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return
    with _lock:
        _refused[ctx.session_id] = _refused.pop(ctx.session_id, 0) + 1
        while len(_refused) > MAX_SESSIONS:
            _refused.popitem(last=False)


def _clear_own_state_only(self: AppSession) -> None:
    """A client's "Clear cache" (``BackMsg.clear_cache``) clears its own session state, as Streamlit's does, but not
    the caches every session shares: any viewer could otherwise wipe the whole class's trained models at will (and
    each clear left the old run store behind). The shared caches are bounded in bytes (vae_ui.service.runs.BUDGET)."""
    self._session_state.clear()
    _log.info("a client asked to clear the shared caches: only its session state was cleared")


def install() -> None:
    """Make every session's widget reading drop what it cannot read, and a client's cache clear its own state only
    (once per process; idempotent)."""
    WStates.__getitem__ = _guarded_getitem
    WStates.set_widget_from_proto = _guarded_set_widget_from_proto
    AppSession._handle_clear_cache_request = _clear_own_state_only


def refused() -> int:
    """How many values this session's client sent that could not be read, since the last call (then 0)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return 0
    with _lock:
        return _refused.pop(ctx.session_id, 0)
