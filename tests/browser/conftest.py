"""Browser tests: the real app (`streamlit run`) on 127.0.0.1, driven by Playwright in Debian's Chromium.

Every request to a non-loopback address is blocked and recorded: the app must work with no network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.harness import CHROMIUM, PRESENTER_SECRET, free_port, launch, offline_context, start_server

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's /usr/bin/chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


def pytest_collection_modifyitems(items):
    """Every Chromium test is in the ``browser`` tier but the smoke tests (in the default run) and the slow ones
    (``-m slow``): each runs in exactly one tier."""
    for item in items:
        if "tests/browser" in str(item.fspath) and not any(item.get_closest_marker(m) for m in ("smoke", "slow", "load")):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def server():
    port = free_port()
    proc = start_server(port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def vote_server(tmp_path_factory):
    """The app with a vote store of its own and a known presenter secret (harness.PRESENTER_SECRET)."""
    port = free_port()
    proc = start_server(port, env={"VAE_LAB_DATA": str(tmp_path_factory.mktemp("votes")),
                                   "VAE_LAB_PRESENTER_SECRET": PRESENTER_SECRET})
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    with playwright_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = offline_context(browser)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()
