"""tests/ is a package: pytest puts the repository's root on sys.path, so tests import ``vae_core``,
``vae_ui``, ``app_pages`` and their own helpers (``tests.apptest_helpers``, ``tests.browser.harness``) by name.

Fixtures every module shares live here. The whole run shares one run store (``runs.store()``): a model one test
trains is found by the next, and nothing clears the caches to train it again.
"""

import functools
import os
import signal

import pytest
from streamlit.components.v2 import manifest_scanner

from tests import apptest_helpers
from vae_ui.service import runs

# No model store on disk (VAE_LAB_STORE=off), here or in the servers the browser tests start: a run trained by an
# earlier test run would be loaded, not trained, and the tests that count trainings would count none.
# tests/test_disk_store.py and tests/browser/test_replicas.py give their own stores a folder each.
os.environ["VAE_LAB_STORE"] = "off"

# Every AppTest scans the installed packages for Streamlit components (about 0.1 s each, 9 s a run); they do not
# change during a run, so the scan is made once.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


def pytest_configure(config):
    """Ctrl+C (SIGINT) stops the run, even one started in the background by a script, which POSIX shells start with
    SIGINT ignored (Python then keeps it ignored, and the run went on to its end)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def no_prefetch(request, monkeypatch):
    """The speculative prefetch (the models a step away, the next scene's) is off unless a test is marked
    ``prefetch``: it would train models no assertion reads, on the two cores every other test needs."""
    if request.node.get_closest_marker("prefetch") is None:
        monkeypatch.setattr(runs, "PREFETCH", False)



@pytest.fixture(autouse=True)
def views_when_waited_for(request, monkeypatch):
    """A view a page asks for soon (``runs.view_soon``: the worked example's ladder, the β-VAE tab's bounds and gap
    split, seconds of Monte Carlo each) is made only once a test waits for it (``apptest_helpers.settled``,
    ``wait_idle``) or is marked ``views``; until then the page says it is measuring, as it does while a thread
    makes it. A test that reads none of them does not pay for them."""
    real = runs.view_soon
    apptest_helpers.MAKING.clear()
    if request.node.get_closest_marker("views") is not None:
        apptest_helpers.MAKING.set()

    def deferred(compute, run, data, *args):
        if apptest_helpers.MAKING.is_set():
            return real(compute, run, data, *args)
        return runs.view_store().get(runs.view_key(compute, run.config, args))

    monkeypatch.setattr(runs, "view_soon", deferred)
    yield
    apptest_helpers.MAKING.clear()


@pytest.fixture
def vote_folder(tmp_path, monkeypatch):
    """The class vote's store in this test's own folder (what VAE_LAB_DATA names), made anew for the app, with no
    pause between one voter's votes."""
    from vae_ui.lecture import classroom, vote_file, votes

    monkeypatch.setattr(vote_file, "DATA_DIR", tmp_path)
    monkeypatch.setattr(votes, "MIN_SECONDS_BETWEEN_VOTES", 0.0)
    classroom.store.clear()
    return tmp_path



@pytest.fixture
def pool():
    """A training pool of two workers of its own (the app's is trainer.scheduler()), closed after the test."""
    from vae_ui.service import trainer

    scheduler = trainer.Scheduler(workers=2)
    yield scheduler
    scheduler.close()
