"""One student, one vote (issue 31): a voter is a browser, not a connection. Its signed token survives a reload (the
URL keeps it; the cookie is checked in Chromium), a token changed by hand is no voter's, and the lecturer's count says
how many browsers joined beside how many voted (AppTest)."""

import pytest

from tests.apptest_helpers import app, assert_clean, texts
from vae_ui.lecture import classroom
from vae_ui.lecture.votes import VoteStore

SECRET = "one-voter-secret"
CHOICES = ("three points", "one curve", "the data")


@pytest.fixture
def lecturer_store(vote_folder, monkeypatch):
    """A class showing scene 3's question, in this test's own store; returns (store, code)."""
    monkeypatch.setenv("VAE_LAB_PRESENTER_SECRET", SECRET)
    store = VoteStore(vote_folder / "votes.sqlite3")
    code = store.open_class(SECRET)
    store.show(SECRET, code, 3, "Where do they land?", CHOICES, revealed=False)
    yield store, code
    classroom.store.clear()


def student(code: str, **query: str):
    at = app("home", code=code, **query)
    assert_clean(at)
    return at


def my_vote_said(at) -> list[str]:
    return [s for s in texts(at, "success") if s.startswith("Your vote")]


def test_a_reload_of_the_join_link_is_the_same_voter(lecturer_store):
    store, code = lecturer_store
    first = student(code)
    first.button(key="vote_3_1_0").click().run()
    token = first.query_params["voter"]  # what the address bar now holds: a reload sends it again
    assert store.voter(token) == token
    again = student(code, voter=token)  # the reload: a new connection
    assert my_vote_said(again) and my_vote_said(again)[0].startswith("Your vote: A")
    again.button(key="vote_3_1_1").click().run()  # a change of mind, not a second vote
    assert store.counts(SECRET, code, 3, 1) == {1: 1}
    assert store.joined(SECRET, code) == 1


@pytest.mark.parametrize("change", ["the id", "the signature", "a made-up token"])
def test_a_token_changed_by_hand_is_no_voter(lecturer_store, change):
    store, code = lecturer_store
    first = student(code)
    first.button(key="vote_3_1_0").click().run()
    token = first.query_params["voter"]
    voter_id, signature = token.split(".")
    forged = {"the id": f"{int(voter_id, 16) + 1:016x}.{signature}",
              "the signature": f"{voter_id}.{signature[::-1]}",
              "a made-up token": "student-7"}[change]
    other = student(code, voter=forged)
    assert not my_vote_said(other)  # not the first student's vote
    assert other.query_params["voter"] != forged and store.voter(other.query_params["voter"])
    other.button(key="vote_3_1_0").click().run()
    assert store.counts(SECRET, code, 3, 1) == {0: 2}  # a second browser: a second vote
    assert store.my_vote(code, 3, 1, forged) is None  # never under the forged name


def test_the_lecturers_count_says_joined_and_voted(lecturer_store, monkeypatch):
    lecturer = app("home", deck="course", scene="1")
    lecturer.text_input(key="class_secret_input").input(SECRET)
    lecturer.button(key="class_start").click().run()
    code = lecturer.session_state["class_code"]
    voting, watching = student(code), student(code)
    student(code, voter=watching.query_params["voter"])  # a reload: still two browsers
    voting.button(key="vote_1_1_0").click().run()
    assert_clean(voting) and watching
    lecturer.run()
    said = " ".join(texts(lecturer, "markdown"))
    assert "**Votes, 1** of 2 joined" in said, said
