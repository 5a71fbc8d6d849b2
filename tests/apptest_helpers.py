"""Helpers for driving the app with Streamlit's AppTest."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard.py")
PAGES = {
    "home": "app_pages/home.py",
    "autoencoder": "app_pages/autoencoder.py",
    "denoising": "app_pages/denoising.py",
    "elbo": "app_pages/elbo.py",
    "reparameterisation": "app_pages/reparameterisation.py",
}
MAKING = threading.Event()  # set: views asked for soon are made (tests/conftest.py defers them until a test waits)


def app(page: str = "home", **query: str) -> AppTest:
    """A fresh session, opened with the given URL query, on ``page``; already run."""
    at = AppTest.from_file(ENTRY, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "home":
        at.switch_page(PAGES[page]).run()
    return at


def wait_idle(store=None, timeout: float = 120.0) -> None:
    """Wait until the background has trained every wish of ``store`` (the app's own by default: a β-VAE sweep, and
    the prefetch where a test turns it on) and made every view a page asked for soon (runs.view_soon: the worked
    example's ladder)."""
    import time

    from vae_ui.service import runs

    MAKING.set()  # from now on this test wants what the page asks for soon
    store = store or runs.store()
    deadline = time.monotonic() + timeout
    while not store.idle() or runs.views_pending():
        assert time.monotonic() < deadline, "the background training did not finish"
        time.sleep(0.02)


def settled(at: AppTest) -> AppTest:
    """The page once the background has trained what it waits for and made the views it asked for soon (as its
    fragment's polling would show it)."""
    if not MAKING.is_set():
        MAKING.set()
        at.run()  # the page asks again for the views it was told are being measured: now a thread makes them
    wait_idle()
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at: AppTest) -> list[dict]:
    """Every Vega-Lite chart on the page as {"title", "spec", "fingerprint"}."""
    found = []
    for element in at.get("vega_lite_chart"):
        proto = element.proto
        spec = json.loads(proto.spec)
        digest = hashlib.sha256(proto.spec.encode())
        for ds in proto.datasets:
            digest.update(ds.data.data)
        found.append({"title": _title(spec), "spec": spec, "fingerprint": digest.hexdigest()})
    return found


def _title(spec: dict) -> str:
    """A chart's title, its lines joined by spaces."""
    title = spec.get("title") or next((layer.get("title") for layer in spec.get("layer", []) if layer.get("title")), "")
    title = title.get("text", "") if isinstance(title, dict) else title or ""
    return " ".join(title) if isinstance(title, list) else str(title)


def chart(at: AppTest, title_part: str) -> dict:
    matches = [c for c in charts(at) if title_part in c["title"]]
    assert matches, f"no chart titled like {title_part!r}: {[c['title'] for c in charts(at)]}"
    return matches[0]


def chart_rows(at: AppTest, title_part: str) -> list[list[dict]]:
    """The rows of each dataset of the first chart whose title contains ``title_part`` (Arrow streams, decoded)."""
    import pyarrow as pa

    element = next(e for e in at.get("vega_lite_chart") if title_part in _title(json.loads(e.proto.spec)))
    return [pa.ipc.open_stream(ds.data.data).read_all().to_pylist() for ds in element.proto.datasets]


def charts_titled(at: AppTest, title_part: str) -> list[str]:
    """The fingerprints of every chart whose title contains ``title_part``, in page order."""
    return [c["fingerprint"] for c in charts(at) if title_part in c["title"]]


def texts(at: AppTest, kind: str) -> list[str]:
    """The text of every element of a kind: "warning", "error", "info", "success", "caption"."""
    return [e.value for e in getattr(at, kind)]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
