"""What a test needs to know about Streamlit's page in the browser."""

from __future__ import annotations

import hashlib

READY = "[data-testid=stApp][data-test-script-state=notRunning]"

# Per chart: the number of drawn data marks (SVG renderer), or of inked pixels (canvas renderer).
CHART_INK = """() => Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart]')).map(el => {
  const c = el.querySelector('canvas');
  if (c) {
    const ctx = c.getContext('2d'); const d = ctx.getImageData(0, 0, c.width, c.height).data; let ink = 0;
    for (let i = 0; i < d.length; i += 16) { if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) ink++; }
    return ink;
  }
  return el.querySelectorAll('svg g.role-mark > *').length;  // data marks only, not axes or legends
})"""


def wait_ready(page, timeout: float = 90_000) -> None:
    """Wait until the script has finished, nothing is loading, and every chart has drawn."""
    page.wait_for_selector(READY, timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')", polling=100, timeout=timeout)
    page.wait_for_function(f"() => ({CHART_INK})().every(n => n > 0)", polling=100, timeout=timeout)
    page.wait_for_timeout(300)


def goto(page, url: str) -> None:
    page.goto(url)
    wait_ready(page)


def assert_healthy(page) -> None:
    assert page.locator("[data-testid=stException]").count() == 0
    assert "Traceback" not in page.inner_text("[data-testid=stApp]")


def chart_ink(page) -> list[int]:
    return page.evaluate(CHART_INK)


def charts_digest(page) -> str:
    """A fingerprint of what every chart canvas shows."""
    data = page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart]'))
                                 .map(el => { const c = el.querySelector('canvas');
                                              return c ? c.toDataURL() : el.innerHTML; }).join('|')""")
    return hashlib.sha256(data.encode()).hexdigest()


def metric_values(page) -> list[str]:
    return page.locator("[data-testid=stMetricValue]").all_inner_texts()


def slider(page, label: str):
    """The thumb of the slider with this label (aria role slider)."""
    return page.get_by_role("slider", name=label)


def step_slider(page, label: str, key: str = "ArrowRight", times: int = 1) -> None:
    thumb = slider(page, label)
    thumb.focus()
    for _ in range(times):
        thumb.press(key)
    page.wait_for_timeout(400)
    wait_ready(page)
