"""One student, one vote, on the real server (issue 31): the join link opened again in the same browser is the same
voter (its cookie), another browser is another voter (Chromium); "Clear cache" wiping a session's state does not make a
new voter (a protocol session sends it as the app menu does)."""

import asyncio
import re

import pytest

from benchmarks.protocol_viewer import ProtocolViewer
from tests.browser.harness import assert_healthy, free_port, goto, in_a_thread, offline_context, start_server
from vae_ui.lecture import votes
from vae_ui.lecture.votes import VoteStore

SECRET = "one-voter-browser-secret"
CHOICES = ("on the noisy points", "back where the data lies", "all at one point")


@pytest.fixture
def class_server(tmp_path, monkeypatch):
    """A server and, in the same store, a class showing scene 3's question: (url, store, code)."""
    monkeypatch.setenv("VAE_LAB_PRESENTER_SECRET", SECRET)
    store = VoteStore(tmp_path / "votes.sqlite3")
    code = store.open_class(SECRET)
    store.show(SECRET, code, 3, "Where do the reconstructions land?", CHOICES, revealed=False)
    port = free_port()
    proc = start_server(port, env={"VAE_LAB_DATA": str(tmp_path), "VAE_LAB_PRESENTER_SECRET": SECRET})
    yield f"http://127.0.0.1:{port}", store, code
    proc.terminate()
    proc.wait(timeout=20)


def vote_in(page, letter: str) -> None:
    page.get_by_role("button", name=re.compile(f"^{letter}\\.")).click()
    page.wait_for_function(f"() => document.body.innerText.includes('Your vote: {letter}')", timeout=30_000)


def test_the_join_link_opened_again_in_the_same_browser_is_the_same_voter(class_server, browser):
    url, store, code = class_server
    one = offline_context(browser, viewport=(400, 800))
    two = offline_context(browser, viewport=(400, 800))
    try:
        page = one.new_page()
        goto(page, f"{url}/?code={code}")
        vote_in(page, "A")
        again = one.new_page()  # the QR code scanned again: the link without the token, the same browser
        goto(again, f"{url}/?code={code}")
        assert "Your vote: A" in again.inner_text("[data-testid=stApp]")
        vote_in(again, "B")  # a change of mind
        assert_healthy(again)
        other = two.new_page()  # the neighbour's phone
        goto(other, f"{url}/?code={code}")
        assert "Your vote" not in other.inner_text("[data-testid=stApp]")
        vote_in(other, "B")
    finally:
        one.close()
        two.close()
    assert store.counts(SECRET, code, 3, 1) == {1: 2} and store.joined(SECRET, code) == 2


async def _vote_clear_vote(url: str, code: str) -> ProtocolViewer:
    viewer = ProtocolViewer(url)
    await viewer.open(query=f"code={code}")
    await viewer.click("A.")
    await viewer.clear_cache()  # the app menu's "Clear cache" (or the C key): the session's state is wiped
    await viewer.rerun()
    await asyncio.sleep(votes.MIN_SECONDS_BETWEEN_VOTES + 0.1)  # (a vote changed at once is refused as a flood)
    await viewer.click("B.")
    await viewer.close()
    return viewer


def test_clear_cache_does_not_make_a_new_voter(class_server):
    url, store, code = class_server
    viewer = in_a_thread(_vote_clear_vote(url, code))
    assert viewer.exceptions == [] and any(t.startswith("Your vote: B") for t in viewer.texts), viewer.texts
    assert store.counts(SECRET, code, 3, 1) == {1: 1} and store.joined(SECRET, code) == 1
