"""The class vote on the real server, driven by 30 protocol sessions (the app's own websocket messages, as 30
students' browsers send them): every vote counted exactly once, and a restarted server keeps them all."""

import asyncio

from benchmarks.protocol_viewer import ProtocolViewer
from tests.browser.harness import free_port, in_a_thread, start_server
from vae_ui.lecture.votes import VoteStore

SECRET = "protocol-test-secret"
CHOICES = ("on the noisy points", "back where the data lies", "all at one point")
LETTERS = "ABC"


async def student(url: str, code: str, choice: int) -> ProtocolViewer:
    viewer = ProtocolViewer(url)
    await viewer.open(query=f"code={code}")
    await viewer.click(LETTERS[choice] + ".")
    await viewer.close()
    return viewer


async def class_of(url: str, code: str, choices: list[int]) -> list[ProtocolViewer]:
    return await asyncio.gather(*(student(url, code, c) for c in choices))


def vote(url: str, code: str, choices: list[int]) -> list[ProtocolViewer]:
    return in_a_thread(class_of(url, code, choices))


def test_thirty_students_vote_each_counted_once_and_a_restart_keeps_them(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_LAB_PRESENTER_SECRET", SECRET)
    env = {"VAE_LAB_DATA": str(tmp_path), "VAE_LAB_PRESENTER_SECRET": SECRET}
    lecturer = VoteStore(tmp_path / "votes.sqlite3")  # what the lecturer's screen reads: the same file
    code = lecturer.open_class(SECRET)
    lecturer.show(SECRET, code, 3, "Where do the reconstructions land?", CHOICES, revealed=False)
    port = free_port()
    server = start_server(port, env=env)
    try:
        choices = [i % 3 for i in range(30)]
        students = vote(f"http://127.0.0.1:{port}", code, choices)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert all(s.exceptions == [] for s in students)
    assert all(any("Your vote" in t for t in s.texts) for s in students), students[0].texts
    assert lecturer.counts(SECRET, code, 3, 1) == {0: 10, 1: 10, 2: 10}

    port = free_port()  # the server restarts: the votes are still there, and the class goes on
    server = start_server(port, env=env)
    try:
        assert lecturer.counts(SECRET, code, 3, 1) == {0: 10, 1: 10, 2: 10}
        late = vote(f"http://127.0.0.1:{port}", code, [1])
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert late[0].exceptions == [] and lecturer.counts(SECRET, code, 3, 1) == {0: 10, 1: 11, 2: 10}


def test_a_student_session_is_refused_a_question_that_is_closed(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_LAB_PRESENTER_SECRET", SECRET)
    env = {"VAE_LAB_DATA": str(tmp_path), "VAE_LAB_PRESENTER_SECRET": SECRET}
    lecturer = VoteStore(tmp_path / "votes.sqlite3")
    code = lecturer.open_class(SECRET)
    lecturer.show(SECRET, code, 3, "Where?", CHOICES, revealed=False)
    port = free_port()
    server = start_server(port, env=env)
    try:
        async def late() -> ProtocolViewer:
            viewer = ProtocolViewer(f"http://127.0.0.1:{port}")
            await viewer.open(query=f"code={code}")
            lecturer.show(SECRET, code, 4, "The next one?", ("x", "y"), revealed=False)  # the lecturer moved on
            await viewer.click("B.")  # the old question's button, still on the student's screen
            viewer.refused = list(viewer.texts)
            assert viewer.timers, "the student's page asks again by itself"
            await viewer.tick()  # its timer: the page shows the lecturer's new question, no click needed
            await viewer.close()
            return viewer

        viewer = in_a_thread(late())
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert viewer.exceptions == [] and lecturer.counts(SECRET, code, 3, 1) == {}
    assert any("not open for votes" in t for t in viewer.refused), viewer.refused
    assert "The next one?" in viewer.texts and {"A.  x", "B.  y"} <= set(viewer.buttons)
