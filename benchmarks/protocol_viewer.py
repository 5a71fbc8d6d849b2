"""A viewer without a browser: one Streamlit session driven over the app's own websocket protocol.

It sends what the front end sends (``BackMsg.rerun_script`` with the widget states and the hashes of the
messages it has cached) and reads what the server sends back, so the server does exactly the work a
browser session costs it: the script reruns, the same deltas are built and sent. What it leaves out is the
browser's own drawing, which in a lecture hall happens on each student's laptop. The load test uses it to
put N sessions on the server while only a few real browsers share the server's cores.
"""

from __future__ import annotations

import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect  # installed with Streamlit (its server speaks it)

PICTURES = ("vega_lite_chart", "imgs", "graphviz_chart")  # the elements a viewer sees as a picture


class ProtocolViewer:
    """One session: ``await open()``, then ``await select(label, option)`` or ``slide(label, value)`` per move."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.page_hash = ""
        self.sliders: dict[str, object] = {}  # label -> the Slider proto last drawn
        self.buttons: dict[str, str] = {}  # label -> the id of the button last drawn with it
        self.texts: list[str] = []  # the markdown, alerts and headings of the last run, in order
        self.elements: dict[str, list] = {}  # every element of the last run by its type ("slider", "number_input", …)
        self.first_picture: float | None = None  # seconds from the last run's request to its first chart or image
        self.timers: dict[str, float] = {}  # fragment id -> seconds: the fragments the browser would rerun on a timer
        self.exceptions: list[str] = []
        self.query = ""  # the address bar's query: the link's, then as the server last set it (the app keeps its controls there)
        self._cache: dict[str, ForwardMsg] = {}  # what the browser keeps: large new-element deltas by hash
        self._states: dict[str, WidgetState] = {}  # the widget values this session has set
        self._ws = None

    async def open(self, page: str = "", query: str = "") -> float:
        """Connect and run a page as a new visitor of the link ``/page?query``; returns the seconds until
        the script finished."""
        self._ws = await connect(self.url, subprotocols=["streamlit"], max_size=None)
        self.query = query
        return await self._rerun(page)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    @property
    def cached(self) -> int:
        """How many large messages this session keeps, to be referred to by hash, as a browser does."""
        return len(self._cache)

    async def select(self, label: str, option: str) -> float:
        """Move a select-slider to ``option``; returns the seconds until the server finished the rerun."""
        state = WidgetState(id=self.sliders[label].id)
        state.string_array_value.data.append(option)
        self._states[state.id] = state
        return await self._rerun()

    async def slide(self, label: str, value: float) -> float:
        """Move a numeric slider to ``value``; returns the seconds until the server finished the rerun."""
        state = WidgetState(id=self.sliders[label].id)
        state.double_array_value.data.append(value)
        self._states[state.id] = state
        return await self._rerun()

    async def send(self, state: WidgetState) -> float:
        """Set a widget's state as a crafted client may (any value field, any id); returns the rerun's seconds."""
        self._states[state.id] = state
        return await self._rerun()

    async def clear_cache(self) -> None:
        """Send "Clear cache", as the app menu's item (or the C key) does."""
        msg = BackMsg()
        msg.clear_cache = True
        await self._ws.send(msg.SerializeToString())

    async def rerun(self) -> float:
        """Rerun the page with the widget values as they are (the R key)."""
        return await self._rerun()

    async def click(self, label_start: str) -> float:
        """Press the button whose label starts with ``label_start`` (a one-shot trigger, as a click sends)."""
        matches = [i for label, i in self.buttons.items() if label.startswith(label_start)]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} buttons start with {label_start!r}: {list(self.buttons)}")
        return await self._rerun(trigger=matches[0])

    async def tick(self) -> float:
        """Rerun the fragments that run on a timer (``st.fragment(run_every=...)``), as the browser's timer does."""
        seconds = 0.0
        for fragment in list(self.timers):
            seconds += await self._rerun(fragment=fragment)
        return seconds

    async def _rerun(self, page: str = "", trigger: str | None = None, fragment: str | None = None) -> float:
        msg = BackMsg()
        client = msg.rerun_script
        client.page_script_hash = self.page_hash
        client.page_name = page  # only the first run names the page (by its URL path), as a link does
        client.query_string = self.query  # the address bar's query: the link's, then what the app last set
        client.widget_states.widgets.extend(self._states.values())
        if trigger is not None:
            client.widget_states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        if fragment is not None:
            client.fragment_id, client.is_auto_rerun = fragment, True
        else:
            self.timers = {}
        self.buttons, self.texts, self.elements, self.first_picture = {}, [], {}, None
        client.cached_message_hashes.extend(self._cache)
        started = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        async for raw in self._ws:
            fwd = ForwardMsg.FromString(raw)
            if fwd.WhichOneof("type") == "ref_hash":  # the server relies on our cache for this one
                fwd = self._cache[fwd.ref_hash]
            elif fwd.metadata.cacheable:
                self._cache[fwd.hash] = fwd
            kind = fwd.WhichOneof("type")
            if kind == "navigation":  # the page this run showed (new_session names the entry script's)
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                self.elements.setdefault(element.WhichOneof("type"), []).append(element)
                if self.first_picture is None and element.WhichOneof("type") in PICTURES:
                    self.first_picture = time.perf_counter() - started
                if element.WhichOneof("type") == "slider":
                    self.sliders[element.slider.label] = element.slider
                elif element.WhichOneof("type") == "button":
                    self.buttons[element.button.label] = element.button.id
                elif element.WhichOneof("type") in ("markdown", "alert", "heading", "toast"):
                    self.texts.append(getattr(element, element.WhichOneof("type")).body)
                elif element.WhichOneof("type") == "exception":
                    self.exceptions.append(element.exception.message[:200])
            elif kind == "auto_rerun":
                self.timers[fwd.auto_rerun.fragment_id] = fwd.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fragment_id in fwd.stop_auto_rerun.fragment_ids:
                    self.timers.pop(fragment_id, None)
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "script_finished" and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return time.perf_counter() - started
        raise ConnectionError("the server closed the connection during a rerun")
