"""Widget values a crafted client can send (issue 18 item 7), sent over the app's own protocol: each session that
receives one keeps working, says so, and moves on when the next good value comes."""

import json
import math

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from benchmarks.protocol_viewer import ProtocolViewer
from tests.browser.harness import in_a_thread

BETA = "β (weight of the KL term)"  # the worked example's select-slider
BOTTLENECK = "Latent dimension d"  # the autoencoder's slider


def _state(widget_id: str, field: str, value) -> WidgetState:
    state = WidgetState(id=widget_id)
    if field.endswith("_array_value"):
        getattr(state, field).data.extend(value)
    else:
        setattr(state, field, value)
    return state


def _pick(index) -> str:  # a click on the selectable latent chart, as Vega-Lite reports it
    return json.dumps({"selection": {"pick": [{"idx": index}]}}, allow_nan=True)


CASES = [  # (page, which widget, field, value, what the session must then show)
    ("", "beta", "string_value", "abc", "could not be read"),
    ("", "beta", "bool_value", True, "could not be read"),
    ("", "beta", "double_array_value", [1.5], "could not be read"),  # a float to a select-slider
    ("", "beta", "string_array_value", ["7.77"], None),  # no such β: Streamlit keeps the old one itself
    ("", "seed", "double_value", math.nan, "could not be read"),  # the seed is a whole number: int_value
    ("", "seed", "double_value", math.inf, "could not be read"),
    ("", "seed", "int_value", 10**12, None),  # past its range: Streamlit keeps the old value itself
    ("", "", "double_value", 1.0, "could not be read"),  # an empty widget id
    ("", "made-up", "double_value", 1.0, "could not be read"),
    ("autoencoder", "bottleneck", "string_value", "abc", "could not be read"),
    ("autoencoder", "bottleneck", "double_array_value", [math.nan], None),  # Streamlit keeps the old value
    ("autoencoder", "bottleneck", "double_array_value", [10**9], None),
    ("autoencoder", "compare", "string_array_value", ["2", "2"], "not allowed"),  # duplicates
    ("autoencoder", "chart", "string_value", _pick(10**9), None),  # no such point: nothing is picked
    ("autoencoder", "chart", "string_value", _pick("abc"), None),
    ("autoencoder", "chart", "string_value", _pick(1e400), None),  # inf
    ("autoencoder", "chart", "string_value", _pick(-1), None),  # not the last point
    ("autoencoder", "chart", "string_value", json.dumps({"selection": {"pick": []}}), None),
    ("autoencoder", "chart", "string_value", "not json", "could not be read"),
]


def _widget_id(viewer: ProtocolViewer, which: str) -> str:
    elements = viewer.elements
    if which == "beta":
        return viewer.sliders[BETA].id
    if which == "bottleneck":
        return viewer.sliders[BOTTLENECK].id
    if which == "seed":
        return next(e.number_input.id for e in elements["number_input"] if e.number_input.label == "Seed")
    if which == "compare":
        return elements["multiselect"][0].multiselect.id
    if which == "chart":
        return next(e.vega_lite_chart.id for e in elements["vega_lite_chart"] if e.vega_lite_chart.selection_mode)
    return which  # an id no widget has


async def _craft(url: str, page: str, which: str, field: str, value) -> tuple[ProtocolViewer, ProtocolViewer]:
    viewer = ProtocolViewer(url)
    await viewer.open(page)
    await viewer.send(_state(_widget_id(viewer, which), field, value))
    crafted = ProtocolViewer.__new__(ProtocolViewer)  # what the crafted run showed, before the good move
    crafted.__dict__.update({k: (list(v) if isinstance(v, list) else v) for k, v in viewer.__dict__.items()})
    if page == "":
        await viewer.select(BETA, "1.5")  # then a good move: the session works on
    else:
        await viewer.slide(BOTTLENECK, 2)
    await viewer.close()
    return crafted, viewer


@pytest.mark.parametrize("page, which, field, value, said", CASES)
def test_a_crafted_widget_value_leaves_the_session_working_with_a_note(server, page, which, field, value, said):
    crafted, after = in_a_thread(_craft(server, page, which, field, value))
    assert crafted.exceptions == [] and after.exceptions == []
    shown = " ".join(crafted.texts).replace("\\", "")
    if said is not None:
        assert said in shown, shown
    assert ("h_beta=1.5" if page == "" else "ae_latent=2") in after.query  # the next good value is used
