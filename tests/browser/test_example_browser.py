"""The worked example as one file, in Chromium: home's expander opens on the whole file, with the command that runs
it, and its download button hands over the file's bytes as they are on disk."""

from __future__ import annotations

from pathlib import Path

from tests.browser.harness import ROOT, assert_healthy, goto, wait_settled

EXAMPLE = ROOT / "examples" / "vae_numpy.py"
TITLE = "The whole worked example in one file"


def test_the_expander_shows_the_file_and_its_download_gives_its_bytes(server, page):
    goto(page, server)
    wait_settled(page)  # the ladder arrives by a full rerun of the page: open the expander after it
    assert_healthy(page)
    expander = page.locator("[data-testid=stExpander]", has_text=TITLE)
    expander.locator("summary").click()
    code = expander.locator("[data-testid=stCode]")
    code.last.wait_for(state="visible", timeout=10_000)
    shown = "\n".join(code.all_inner_texts())
    assert "python vae_numpy.py" in shown
    assert "def loss_and_grads(params, x, eps, beta=1.0):" in shown and "∂z/∂μ = I" in shown
    assert 'if __name__ == "__main__":' in shown  # the file to its last line
    button = expander.locator("[data-testid=stDownloadButton] button", has_text="Download vae_numpy.py")
    assert button.count() == 1
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "vae_numpy.py"
    assert Path(download.value.path()).read_bytes() == EXAMPLE.read_bytes()
    assert_healthy(page)
    assert page.context.blocked == []  # nothing left the machine
