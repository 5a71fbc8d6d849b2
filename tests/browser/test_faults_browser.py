"""Issue 31 on the real server: a vote store file that is not a database and hostile deck files each leave a
sentence on the page, never Streamlit's error box (Chromium); a rerun naming a fragment that does not exist is
dropped at once by Streamlit itself, and the connection goes on; a message over server.maxMessageSize closes its own
connection only (protocol sessions)."""

import asyncio

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.exceptions import ConnectionClosed

from benchmarks.protocol_viewer import ProtocolViewer
from tests.browser.harness import assert_healthy, free_port, goto, in_a_thread, start_server, wait_ready
from tests.test_hostile_decks import HOSTILE_DECKS

DECK_UPLOAD = ".st-key-deck_file [data-testid=stFileUploaderDropzoneInput]"


@pytest.fixture(scope="module")
def broken_store(tmp_path_factory):
    """A server whose votes.sqlite3 is not a database when it starts."""
    folder = tmp_path_factory.mktemp("votes")
    (folder / "votes.sqlite3").write_bytes(b"the lecturer's notes, not a database\n" * 100)
    port = free_port()
    proc = start_server(port, env={"VAE_LAB_DATA": str(folder), "VAE_LAB_PRESENTER_SECRET": "faults-secret"})
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


def test_a_store_file_that_is_not_a_database_shows_a_sentence_not_the_error_box(broken_store, page):
    goto(page, f"{broken_store}/reparameterisation")
    assert "is not an SQLite database" in page.inner_text("[data-testid=stSidebar]")
    assert page.locator("[data-testid=stVegaLiteChart]").count() > 0  # the page itself works
    assert_healthy(page)
    goto(page, f"{broken_store}/?code=ABCDE")  # a student's join link
    assert "class vote is not available" in page.inner_text("[data-testid=stApp]")
    assert_healthy(page)


def test_hostile_decks_are_refused_with_a_sentence_not_the_error_box(server, page, tmp_path):
    goto(page, f"{server}/reparameterisation")
    page.get_by_text("Lecture deck").click()
    for name, (content, _) in HOSTILE_DECKS.items():
        path = tmp_path / f"{name}.toml"
        path.write_bytes(content)
        page.locator(DECK_UPLOAD).set_input_files(str(path))
        page.wait_for_function(f"() => document.body.innerText.includes('{name}.toml was not loaded')",
                               timeout=30_000)
        wait_ready(page)
        assert_healthy(page)


async def _quiet(viewer: ProtocolViewer, seconds: float = 1.0) -> None:
    """Read what the server still sends until it says nothing for ``seconds``."""
    try:
        while True:
            await asyncio.wait_for(viewer._ws.recv(), timeout=seconds)
    except TimeoutError:
        return


async def _unknown_fragment(url: str) -> tuple[bool, float]:
    viewer = ProtocolViewer(url)
    await viewer.open(page="reparameterisation")
    await _quiet(viewer)  # (the run's last status message may follow its script_finished)
    msg = BackMsg()
    msg.rerun_script.page_script_hash = viewer.page_hash
    msg.rerun_script.fragment_id = "no-such-fragment"
    await viewer._ws.send(msg.SerializeToString())
    try:
        await asyncio.wait_for(viewer._ws.recv(), timeout=3)
        answered = True
    except TimeoutError:
        answered = False
    seconds = await viewer.rerun()  # the same connection: its next rerun is served as usual
    await viewer.close()
    return answered, seconds


def test_a_rerun_of_a_fragment_that_does_not_exist_is_dropped_and_the_connection_goes_on(broken_store):
    answered, seconds = in_a_thread(_unknown_fragment(broken_store))
    assert not answered  # Streamlit's AppSession.request_rerun drops it at once: nothing runs, nothing is sent
    assert seconds < 30


async def _oversized(url: str) -> tuple[int | None, float]:
    viewer = ProtocolViewer(url)
    await viewer.open(page="reparameterisation")
    await _quiet(viewer)
    msg = BackMsg()
    msg.rerun_script.page_script_hash = viewer.page_hash
    msg.rerun_script.widget_states.widgets.append(WidgetState(id="$$ID-crafted", string_value="x" * 3_000_000))
    await viewer._ws.send(msg.SerializeToString())  # 3 MB: over the 2 MB of .streamlit/config.toml
    try:
        async with asyncio.timeout(30):
            async for _ in viewer._ws:
                pass
    except ConnectionClosed:
        pass
    closed_with = viewer._ws.close_code
    other = ProtocolViewer(url)  # the server and everyone else go on
    seconds = await other.open(page="reparameterisation")
    await other.close()
    return closed_with, seconds


def test_a_message_over_the_size_limit_closes_its_own_connection_only(broken_store):
    closed_with, seconds = in_a_thread(_oversized(broken_store))
    assert closed_with == 1009  # "message too big", at once: not buffered and parsed as a 200 MB one would be
    assert seconds < 30
