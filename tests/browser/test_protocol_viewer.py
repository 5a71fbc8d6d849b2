"""The load test's browserless sessions (benchmarks/protocol_viewer.py) against the real server: they
must cost the server what a browser session costs, so they must really run the page and move its slider."""

import asyncio

from benchmarks.protocol_viewer import ProtocolViewer
from tests.browser.harness import in_a_thread

BETA = "β (weight of the KL term)"


async def _session(url: str) -> tuple[ProtocolViewer, list[str], int]:
    viewer = ProtocolViewer(url)
    await viewer.open()
    queries = []
    for option in ("1.25", "1.5", "1.25"):
        await viewer.select(BETA, option)
        queries.append(viewer.query)
    cached = viewer.cached
    await viewer.close()
    return viewer, queries, cached


def test_a_protocol_session_runs_the_page_and_moves_the_slider(server):
    (one, queries, cached), (_, other_queries, _) = in_a_thread(_both(server))
    assert one.exceptions == [] and BETA in one.sliders and "Latent dimension d" in one.sliders
    assert queries == ["h_beta=1.25", "h_beta=1.5", "h_beta=1.25"]  # the server's own record of the control
    assert other_queries == ["h_beta=1.25", "h_beta=1.5", "h_beta=1.25"]  # a second session at the same time
    assert cached > 0  # the large deltas came once and were then referred to by hash, as with a browser


async def _both(url: str):
    return await asyncio.gather(_session(url), _session(url))
