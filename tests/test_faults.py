"""Faults of the vote store that must not take down the lecture (issue 31): a store that is not a database, cannot
be made, was deleted, is read-only or locked. Each is driven through the app (AppTest): every page but the vote works,
the lecturer's sidebar says what is wrong and what to do, a student's page says a sentence, never an exception."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.apptest_helpers import app, assert_clean, texts
from vae_ui.lecture import classroom, vote_file, votes
from vae_ui.lecture.votes import VoteStore

SECRET = "faults-test-secret"
CHOICES = ("three points", "one curve", "the data")


@pytest.fixture
def data_dir(vote_folder, monkeypatch):
    """The vote store's folder for this test (what VAE_LAB_DATA names), a fresh store for the app."""
    monkeypatch.setenv("VAE_LAB_PRESENTER_SECRET", SECRET)
    yield vote_folder
    classroom.store.clear()


def unescaped(text: str) -> str:
    return text.replace("\\", "").replace("\u200b", "")


def sidebar_says(at, part: str) -> bool:
    return any(part in unescaped(w.value) for w in at.sidebar.warning)


def student(code: str):
    """A student who opened the join link of class ``code``."""
    at = app("home", code=code)
    assert_clean(at)
    return at


def question_open(path, scene: int = 3) -> str:
    """A class showing a question, opened as the lecturer's session would; returns its join code."""
    store = VoteStore(path)
    code = store.open_class(SECRET)
    store.show(SECRET, code, scene, "Where do they land?", CHOICES, revealed=False)
    return code


@contextlib.contextmanager
def read_only(path):
    """``path`` cannot be written, even by root (``chattr +i``; ``chmod`` elsewhere)."""
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0:
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    path.chmod(0o444)
    try:
        with open(path, "r+b"):
            pytest.skip("this user can write a read-only file and chattr is unavailable")
    except PermissionError:
        pass
    try:
        yield
    finally:
        path.chmod(0o644)


# ------------------------------------------------------------------------------------------ item 1: the vote store
def test_a_store_file_that_is_not_a_database_leaves_every_page_working(data_dir):
    (data_dir / "votes.sqlite3").write_bytes(b"these are the lecturer's notes, not a database\n" * 50)
    at = app("home")
    assert_clean(at)
    assert sidebar_says(at, "is not an SQLite database"), texts(at.sidebar, "warning")
    at.switch_page("app_pages/elbo.py").run()
    assert_clean(at)
    pupil = student("ABCDE")
    assert any("class vote is not available" in e for e in texts(pupil, "error")), texts(pupil, "error")
    (data_dir / "votes.sqlite3").rename(data_dir / "notes.txt")  # the lecturer does what the sentence says
    at.run()
    assert_clean(at)
    assert not at.sidebar.warning  # the store was made again: no restart needed
    assert VoteStore(data_dir / "votes.sqlite3").presenter_secret()[0] == SECRET


def test_a_data_folder_that_cannot_be_made_leaves_every_page_working(data_dir, monkeypatch):
    (data_dir / "a_file").write_text("not a folder")
    monkeypatch.setattr(vote_file, "DATA_DIR", data_dir / "a_file" / "votes")
    at = app("home")
    assert_clean(at)
    assert sidebar_says(at, "cannot be made") and sidebar_says(at, "VAE_LAB_DATA"), texts(at.sidebar, "warning")
    at.text_input(key="class_secret_input").input(SECRET)
    at.button(key="class_start").click().run()
    assert_clean(at)
    assert "class_code" not in at.session_state
    assert any("Not started" in e for e in texts(at.sidebar, "error")), texts(at.sidebar, "error")
    pupil = student("ABCDE")
    assert any("class vote is not available" in e for e in texts(pupil, "error"))


def test_a_store_deleted_while_the_server_runs_is_made_again_and_says_its_classes_are_gone(data_dir):
    path = data_dir / "votes.sqlite3"
    lecturer = app("home", deck="course", scene="1")
    lecturer.text_input(key="class_secret_input").input(SECRET)
    lecturer.button(key="class_start").click().run()
    code = lecturer.session_state["class_code"]
    assert student(code).subheader, "the class sees scene 1's question"
    path.unlink()  # (its -wal and -shm stay, as after `rm votes.sqlite3`)
    pupil = student(code)  # the next student to join
    assert any(f"no class has the code {code}" in e for e in texts(pupil, "error")), texts(pupil, "error")
    with sqlite3.connect(path) as db:  # a store again, not an empty file
        assert {"classes", "votes", "meta"} <= {n for (n,) in db.execute("SELECT name FROM sqlite_master")}
    lecturer.run()
    assert_clean(lecturer)
    assert sidebar_says(lecturer, "made again") and sidebar_says(lecturer, "gone"), texts(lecturer.sidebar, "warning")
    assert any(f"Your class {code} is gone" in e for e in texts(lecturer.sidebar, "error"))
    assert "class_code" not in lecturer.session_state
    lecturer.text_input(key="class_secret_input").input(SECRET)
    lecturer.button(key="class_start").click().run()  # a new class starts, and its students vote
    assert not sidebar_says(lecturer, "made again")  # said until then
    again = student(lecturer.session_state["class_code"])
    again.button(key="vote_1_1_0").click().run()
    assert any("Your vote: A" in s for s in texts(again, "success")), texts(again, "success")


def test_a_read_only_store_shows_the_question_and_refuses_votes_with_a_sentence(data_dir):
    path = data_dir / "votes.sqlite3"
    code = question_open(path)
    with read_only(path):
        pupil = student(code)
        assert "Where do they land?" in [h.value for h in pupil.subheader]
        pupil.button(key="vote_3_1_1").click().run()
        assert_clean(pupil)
        assert any("read-only" in unescaped(w) for w in texts(pupil, "warning")), texts(pupil, "warning")
        at = app("home")
        assert_clean(at)
        assert sidebar_says(at, "read-only"), texts(at.sidebar, "warning")
    pupil.button(key="vote_3_1_1").click().run()  # writable again: the vote is taken
    assert VoteStore(path).counts(SECRET, code, 3, 1) == {1: 1}


def test_a_locked_store_says_busy_within_seconds_instead_of_waiting(data_dir):
    path = data_dir / "votes.sqlite3"
    code = question_open(path)
    pupil = student(code)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)  # another program holds the lock
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        pupil.button(key="vote_3_1_0").click().run()
        waited = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert_clean(pupil)
    assert any("the vote store is busy, try again" in unescaped(w) for w in texts(pupil, "warning")), \
        texts(pupil, "warning")
    assert waited < vote_file.BUSY_SECONDS + 3, waited


def test_a_short_busy_timeout_still_counts_a_class_voting_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(votes, "MIN_SECONDS_BETWEEN_VOTES", 0.0)
    monkeypatch.setenv("VAE_LAB_PRESENTER_SECRET", SECRET)
    code = question_open(tmp_path / "votes.sqlite3")
    store = VoteStore(tmp_path / "votes.sqlite3")  # one server process: a connection per thread
    gate = threading.Barrier(200)

    def one(i: int) -> None:
        gate.wait()
        store.vote(code, 3, 1, f"student {i}", i % 3)

    with ThreadPoolExecutor(200) as pool:
        list(pool.map(one, range(200)))  # any refusal raises here
    assert sum(store.counts(SECRET, code, 3, 1).values()) == 200
