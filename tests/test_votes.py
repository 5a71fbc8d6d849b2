"""The vote store: counts, a revote replaces, a restart loses nothing, two processes share one file, and every
refusal (a student acting as the presenter, a question or choice that does not exist, a flood)."""

import subprocess
import sys

import pytest

from vae_ui.lecture import votes
from vae_ui.lecture.votes import Refused, VoteStore

CHOICES = ("three points", "one curve", "the data")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv("VAE_LAB_PRESENTER_SECRET", raising=False)
    monkeypatch.setattr(votes, "MIN_SECONDS_BETWEEN_VOTES", 0.0)
    return VoteStore(tmp_path / "votes.sqlite3")


def open_question(store: VoteStore, scene: int = 3) -> tuple[str, str]:
    secret = store.presenter_secret()[0]
    code = store.open_class(secret)
    store.show(secret, code, scene, "Where do they land?", CHOICES, revealed=False)
    return secret, code


def test_votes_are_counted_and_a_revote_replaces(store):
    secret, code = open_question(store)
    for voter, choice in [("a", 0), ("b", 1), ("c", 1), ("a", 1)]:  # a changes their mind
        store.vote(code, 3, 1, voter, choice)
    assert store.counts(secret, code, 3, 1) == {1: 3}
    assert store.my_vote(code, 3, 1, "a") == 1 and store.my_vote(code, 3, 1, "nobody") is None
    assert store.showing(code.lower()).prompt == "Where do they land?"  # a code typed in lower case


def test_vote_again_opens_a_second_round_and_keeps_the_first(store):
    secret, code = open_question(store)
    store.vote(code, 3, 1, "a", 0)
    assert store.vote_again(secret, code) == 2
    store.vote(code, 3, 2, "a", 1)
    assert store.counts(secret, code, 3, 1) == {0: 1} and store.counts(secret, code, 3, 2) == {1: 1}
    with pytest.raises(Refused, match="not open"):
        store.vote(code, 3, 1, "b", 0)  # round 1 is closed
    store.show(secret, code, 3, "Where do they land?", CHOICES, revealed=False)
    assert store.showing(code).round == 2  # the same scene keeps its round
    store.show(secret, code, 5, "Next?", ("x", "y"), revealed=False)
    assert store.showing(code).round == 1  # a new scene starts at round 1


def test_a_restart_and_a_second_process_see_the_same_votes(store, tmp_path):
    secret, code = open_question(store)
    for i in range(7):
        store.vote(code, 3, 1, f"student {i}", i % 3)
    again = VoteStore(tmp_path / "votes.sqlite3")  # the server restarted
    assert again.counts(secret, code, 3, 1) == {0: 3, 1: 2, 2: 2}
    assert again.presenter_secret()[0] == secret  # the same secret after a restart
    other = subprocess.run([sys.executable, "-c", (
        "import sys; from vae_ui.lecture.votes import VoteStore; s = VoteStore(sys.argv[1]); "
        "s.vote(sys.argv[2], 3, 1, 'from another process', 2); print(s.presenter_secret()[0])"),
        str(tmp_path / "votes.sqlite3"), code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == secret
    assert store.counts(secret, code, 3, 1) == {0: 3, 1: 2, 2: 3}
    assert store.path.with_name("votes.sqlite3-wal").exists()  # WAL mode: readers do not block the writer


@pytest.mark.parametrize("act", ["open_class", "show", "counts", "vote_again"])
def test_a_student_cannot_act_as_the_presenter(store, act):
    _, code = open_question(store)
    calls = {"open_class": lambda s: store.open_class(s),
             "show": lambda s: store.show(s, code, 9, "mine", ("a", "b"), revealed=True),
             "counts": lambda s: store.counts(s, code, 3, 1),
             "vote_again": lambda s: store.vote_again(s, code)}
    for wrong in ("", "guess", "x" * 10_000):
        with pytest.raises(Refused, match="only the presenter"):
            calls[act](wrong)
    assert store.showing(code).scene == 3 and store.showing(code).round == 1


@pytest.mark.parametrize("code, scene, round_, voter, choice, message", [
    ("ZZZZZ", 3, 1, "a", 0, "no class has the code"),
    ("<b>x</b>", 3, 1, "a", 0, "is not a join code"),
    ("", 3, 1, "a", 0, "is not a join code"),
    (None, 3, 1, "a", 0, "is not a join code"),
    ("CODE", 4, 1, "a", 0, "not open for votes"),
    ("CODE", 3, 7, "a", 0, "not open for votes"),
    ("CODE", 3, 1, "a", 3, "no such choice"),
    ("CODE", 3, 1, "a", -1, "no such choice"),
    ("CODE", 3, 1, "a", True, "no such choice"),
    ("CODE", 3, 1, "a", "1", "no such choice"),
    ("CODE", 3, 1, "", 0, "no valid voter id"),
    ("CODE", 3, 1, "v" * 10_000, 0, "no valid voter id"),
])
def test_a_vote_for_what_does_not_exist_is_refused(store, code, scene, round_, voter, choice, message):
    secret, real = open_question(store)
    with pytest.raises(Refused, match=message):
        store.vote(real if code == "CODE" else code, scene, round_, voter, choice)
    assert store.counts(secret, real, 3, 1) == {}


def test_a_flood_from_one_session_is_refused(store, monkeypatch):
    secret, code = open_question(store)
    monkeypatch.setattr(votes, "MIN_SECONDS_BETWEEN_VOTES", 60.0)
    store.vote(code, 3, 1, "a", 0)
    with pytest.raises(Refused, match="one vote at a time"):
        store.vote(code, 3, 1, "a", 1)
    monkeypatch.setattr(votes, "MIN_SECONDS_BETWEEN_VOTES", 0.0)
    for i in range(votes.MAX_VOTES_PER_QUESTION - 1):
        store.vote(code, 3, 1, "a", i % 3)
    with pytest.raises(Refused, match="enough changes of mind"):
        store.vote(code, 3, 1, "a", 0)
    assert sum(store.counts(secret, code, 3, 1).values()) == 1  # one voter, one vote


def test_after_the_reveal_voting_is_closed(store):
    secret, code = open_question(store)
    store.show(secret, code, 3, "Where do they land?", CHOICES, revealed=True)
    with pytest.raises(Refused, match="revealed"):
        store.vote(code, 3, 1, "late", 0)


def test_a_configured_secret_is_used_and_never_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_LAB_PRESENTER_SECRET", "lecture-hall-7")
    s = VoteStore(tmp_path / "v.sqlite3")
    assert s.presenter_secret() == ("lecture-hall-7", False) and s.is_presenter("lecture-hall-7")
    assert not s.is_presenter("lecture-hall-8")
    assert len(s.open_class("lecture-hall-7")) == votes.CODE_LENGTH


def test_the_presenter_may_type_the_code_in_lower_case(store):
    secret, code = open_question(store)
    store.show(secret, code.lower(), 4, "Next?", ("x", "y"), revealed=False)
    assert store.showing(code).scene == 4
