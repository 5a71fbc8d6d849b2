"""The default run's look at the real app in Chromium: every page opens on its defaults, draws every chart and its
formulas, raises nothing, and asks nothing of the internet. The rest of Chromium is ``-m browser``."""

from __future__ import annotations

import pytest

from tests.browser.harness import assert_healthy, chart_ink, free_port, goto, start_server, wait_ready

pytestmark = pytest.mark.smoke


@pytest.fixture(scope="module")
def quiet_server():
    """The app as shipped but for the prefetch (``VAE_LAB_PREFETCH=0``): it would train, on the two cores this
    test needs, models no page here shows."""
    port = free_port()
    proc = start_server(port, env={"VAE_LAB_PREFETCH": "0"})
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


def drew(page, where: str) -> None:
    """The page is done, raised nothing, and drew every chart and formula."""
    wait_ready(page)
    assert_healthy(page)
    ink = chart_ink(page)
    assert all(n > 0 for n in ink), (where, ink)  # every chart has drawn marks
    assert page.locator(".katex-error").count() == 0, where
    assert page.locator("[data-testid=stMain]").inner_text().strip(), where


def test_every_page_opens_draws_and_stays_offline(quiet_server, page):
    goto(page, quiet_server)
    drew(page, "home")
    nav = page.locator("[data-testid=stSidebarNav] a")
    links = nav.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert len(links) == 5, links  # home and the four pages
    for href in links[1:]:  # through the sidebar, as a student does: no reload of the app
        nav.and_(page.locator(f"[href='{href}']")).click()
        page.wait_for_url(href)
        drew(page, href)
    goto(page, f"{quiet_server}/vote")  # the students' page, from the join link
    drew(page, "vote")
    assert page.context.blocked == [], page.context.blocked  # nothing asked of the internet
