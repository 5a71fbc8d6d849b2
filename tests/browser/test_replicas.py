"""Two replicas behind nginx, as deploy/vae-lab.sh starts them: what a bigger class relies on when one server process
is not enough. A model trained through one replica is loaded, not trained, by the other (the shared model store); a
class vote opened through one counts the votes arriving through either exactly once (the shared vote store); and when
the lecturer's replica dies mid-lecture, the lecturer's page reconnects through nginx to the other and shows the same
scene (its controls come back from the URL).

Starts nginx itself (skipped where it is not installed). Run: .venv/bin/python -m pytest tests/browser/test_replicas.py -m slow -n 0
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.protocol_viewer import ProtocolViewer
from tests.browser.harness import ROOT, assert_healthy, free_port, in_a_thread, offline_context, start_class_vote, wait_ready
from vae_ui.lecture.votes import VoteStore

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SECRET = "replica-test-presenter-secret"
SCRIPT = ROOT / "deploy" / "vae-lab.sh"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")]


@dataclass
class Deployment:
    data: Path
    url: str  # nginx's
    replicas: list[int]  # the replicas' ports
    env: dict[str, str]

    def replica_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.replicas[i]}"

    def pid(self, port: int) -> int:
        return int((self.data / "run" / f"replica-{port}.pid").read_text())

    def connected(self) -> list[int]:
        """The replicas holding an open connection now (the lecturer's websocket: nothing else stays open)."""
        return [port for port in self.replicas if established(port)]


def established(port: int) -> int:
    """TCP connections established to ``port`` on this machine (/proc/net/tcp: local address, state 01)."""
    found = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                local, state = line.split()[1], line.split()[3]
                found += state == "01" and int(local.rsplit(":", 1)[1], 16) == port
    return found


def two_free_ports() -> int:
    """A port p with p + 1 free too (the script numbers its replicas from the first)."""
    import socket

    for _ in range(50):
        first = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", first + 1))
                return first
            except OSError:
                continue
    raise RuntimeError("no two free ports in a row")


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    data = tmp_path_factory.mktemp("deploy")
    first, port = two_free_ports(), free_port()
    env = {**os.environ, "VAE_LAB_DATA": str(data), "VAE_LAB_STORE": str(data / "store"), "VAE_LAB_PORT": str(port),
           "VAE_LAB_FIRST_PORT": str(first), "VAE_LAB_PRESENTER_SECRET": SECRET, "VAE_LAB_PREFETCH": "0"}
    started = subprocess.run(["bash", str(SCRIPT), "start", "2"], env=env, capture_output=True, text=True, timeout=240)
    assert started.returncode == 0, started.stdout + started.stderr
    yield Deployment(data, f"http://127.0.0.1:{port}", [first, first + 1], env)
    subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True, timeout=60)


async def opened(url: str, page: str, query: str) -> ProtocolViewer:
    viewer = ProtocolViewer(url)
    await viewer.open(page=page, query=query)
    assert viewer.exceptions == []
    return viewer


def test_nginx_sends_a_browser_back_to_its_replica_by_a_cookie(deployed):
    import urllib.request

    first = urllib.request.urlopen(deployed.url + "/")
    cookie = first.headers["Set-Cookie"].split(";")[0]
    assert cookie.startswith("vae_lab_replica=")
    for _ in range(6):
        urllib.request.urlopen(urllib.request.Request(deployed.url + "/_stcore/health", headers={"Cookie": cookie}))
    log = (deployed.data / "run" / "nginx-access.log").read_text().splitlines()[-6:]
    assert len({line.rsplit("->", 1)[1].split()[0] for line in log}) == 1  # every request to one replica


def test_a_model_trained_through_one_replica_is_loaded_by_the_other(deployed):
    """The autoencoder of d = 3, 50 epochs, seed 7 (and the page's d = 1 and 2 beside it) trained through replica 1;
    replica 2 shows the same page loading each file (same inode, read again), no file written."""
    store = deployed.data / "store"
    query = "ae_latent=3&ae_epochs=50&seed=7"
    before = set(store.glob("*.npz"))

    async def first() -> None:
        viewer = await opened(deployed.replica_url(0), "autoencoder", query)
        await viewer.close()

    in_a_thread(first())
    trained = set(store.glob("*.npz")) - before
    assert trained, "replica 1 wrote no model to the store"
    for path in trained:
        os.utime(path, (1, 1))  # long ago: a load marks it used now
    inodes = {p: p.stat().st_ino for p in trained}

    async def second() -> None:
        viewer = await opened(deployed.replica_url(1), "autoencoder", query)
        await viewer.close()

    in_a_thread(second())
    assert set(store.glob("*.npz")) - before == trained  # nothing new trained
    assert all(p.stat().st_ino == inodes[p] for p in trained)  # nothing written again
    assert all(p.stat().st_mtime > 1 for p in trained)  # every one read by replica 2


def test_a_lecture_survives_its_replica_votes_counted_once(deployed, browser, monkeypatch):
    """The lecturer (Chromium, through nginx) opens a class vote on scene 1; three students through each replica
    vote: six votes. Then the lecturer's replica is killed: the page reconnects through nginx to the other replica
    and shows scene 1 again."""
    context = offline_context(browser, viewport=(1400, 1000))
    try:
        page = context.new_page()
        page.goto(deployed.url + "/autoencoder?deck=course&scene=1")  # (the sidebar open: not lecture mode)
        wait_ready(page, timeout=180_000)
        title = "An autoencoder squeezes x through a bottleneck"
        assert title in page.inner_text("[data-testid=stApp]")
        start_class_vote(page, SECRET)
        code = re.search(r"Code: ([A-Z0-9]{5})", page.inner_text("body")).group(1)
        (lecturer,) = deployed.connected()

        async def students() -> None:
            async def one(i: int) -> None:
                viewer = await opened(deployed.replica_url(i % 2), "", f"code={code}")
                await viewer.click("ABC"[i % 3] + ".")
                await viewer.close()
            await asyncio.gather(*(one(i) for i in range(6)))

        in_a_thread(students())
        monkeypatch.setenv("VAE_LAB_PRESENTER_SECRET", SECRET)  # (this process reads the replicas' vote file)
        counts = VoteStore(deployed.data / "votes.sqlite3").counts(SECRET, code, 1, 1)
        assert sum(counts.values()) == 6, counts

        os.kill(deployed.pid(lecturer), signal.SIGKILL)  # mid-lecture
        survivor = [p for p in deployed.replicas if p != lecturer]
        deadline = time.time() + 90
        while time.time() < deadline and deployed.connected() != survivor:
            page.wait_for_timeout(500)
        assert deployed.connected() == survivor, "the page did not reconnect through nginx to the other replica"
        wait_ready(page, timeout=180_000)
        assert "scene=1" in page.url and title in page.inner_text("[data-testid=stApp]")
        assert_healthy(page)
        page.mouse.click(700, 990)  # the lecture goes on, served by the other replica: the clicker's next scene
        page.keyboard.press("PageDown")
        page.wait_for_function("() => /[?&]scene=2(&|$)/.test(location.search)", timeout=120_000)
        wait_ready(page, timeout=180_000)
        assert "Bottlenecks side by side" in page.inner_text("[data-testid=stApp]")
        assert_healthy(page)
    finally:
        context.close()
