"""Page latency with Streamlit's AppTest: a cold run (training included) and warm reruns (cache hit).

Each page is measured in a fresh Python process with empty caches, so "cold" includes importing
the app, training and the first drawing (AppTest's one-time component scan is paid before the
clock starts, as a server pays it at start-up); then it is rerun ``--warm`` times (median and max).
"cold s" is the page's own time (for the home page, less the harness's fixed start-up cost measured
on an empty script; other pages are entered from a running session, so they have none).
Targets (issue 3): warm <= 150 ms, cold <= 2 s with the default controls.
Run: python -m benchmarks.page_latency
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["home", "autoencoder", "denoising", "elbo", "reparameterisation"]

CHILD = r"""
import json, sys, time, logging
logging.disable(logging.WARNING)
from streamlit.testing.v1 import AppTest
from tests.apptest_helpers import ENTRY, PAGES
page, warm = sys.argv[1], int(sys.argv[2])
# A new AppTest session scans every installed package for components (~0.5 s) on its first run;
# a server does that once at start-up. It is measured on an empty script and subtracted.
AppTest.from_string("import streamlit as st; st.write('warm-up')").run()
start = time.perf_counter()
AppTest.from_string("import streamlit as st; st.write('empty')").run()
harness = time.perf_counter() - start  # what a new AppTest session costs with an empty script
at = AppTest.from_file(ENTRY, default_timeout=120)
if page != "home":
    at.run()  # the entry page first, as a visitor arrives; then time the page itself
    start = time.perf_counter(); at.switch_page(PAGES[page]).run(); cold = time.perf_counter() - start
else:
    start = time.perf_counter(); at.run(); cold = time.perf_counter() - start
assert not at.exception, [e.message for e in at.exception]
times = []
for _ in range(warm):
    start = time.perf_counter(); at.run(); times.append(time.perf_counter() - start)
print(json.dumps({"cold": cold, "harness": harness if page == "home" else 0.0, "warm": times}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warm", type=int, default=7)
    parser.add_argument("pages", nargs="*", default=PAGES)
    args = parser.parse_args()
    code = CHILD  # run in the repository's root (python -c puts it on sys.path)
    print(f"| {'page':<20} | {'cold s':>7} | {'cold s, raw':>11} | {'warm ms (median)':>16} | {'warm ms (max)':>13} | target |")
    print(f"|{'-' * 22}|{'-' * 9}|{'-' * 13}|{'-' * 18}|{'-' * 15}|--------|")
    for page in args.pages:
        if not (ROOT / "app_pages" / f"{page}.py").exists():
            continue
        out = subprocess.run([sys.executable, "-c", code, page, str(args.warm)], capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            print(f"| {page:<20} | failed: {out.stderr.strip().splitlines()[-1][:60]} |")
            continue
        result = json.loads(out.stdout.strip().splitlines()[-1])
        warm = [1e3 * t for t in result["warm"]]
        cold = result["cold"] - result["harness"]
        ok = cold <= 2.0 and statistics.median(warm) <= 150
        print(f"| {page:<20} | {cold:7.2f} | {result['cold']:11.2f} | {statistics.median(warm):16.0f} | "
              f"{max(warm):13.0f} | {'met' if ok else 'MISSED':<6} |")


if __name__ == "__main__":
    main()
