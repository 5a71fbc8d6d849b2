"""Guessing slowed and voting per signed-in person (issue 31 §2): the throttle's arithmetic on a fake clock, the
presenter secret and join codes refused unchecked after a burst of wrong ones (right ones never wait), and the voter
of a signed-in person (a fake st.user) the same on every device, with nothing changed when sign-in is off."""

import pytest

from tests.apptest_helpers import app, assert_clean, texts
from vae_ui.lecture.signin import configured, person, wanted
from vae_ui.lecture.throttle import JOIN_CODES, SECRETS, Throttle, refusal


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_wrong_guesses_then_one_per_period():
    clock = Clock()
    tries = Throttle(burst=3, every=2.0, clock=clock)
    for _ in range(3):
        assert tries.wait(["a"]) == 0
        tries.spend(["a"])
    assert tries.wait(["a"]) == pytest.approx(2.0)  # the fourth waits for a try to come back
    assert tries.wait(["b"]) == 0  # another key is not slowed
    clock.now = 2.0
    assert tries.wait(["a"]) == 0
    tries.spend(["a"])
    assert tries.wait(["a"]) == pytest.approx(2.0)
    clock.now = 100.0  # a long pause: the whole burst again
    assert tries.wait(["a"]) == 0


def test_a_guess_waits_for_the_slowest_of_its_keys():
    clock = Clock()
    tries = Throttle(burst=1, every=5.0, clock=clock)
    tries.spend(["address"])
    assert tries.wait(["session-2", "address"]) == pytest.approx(5.0)  # a new connection from the same address


def test_today_rates_are_slowed_by_more_than_ten_times():
    """8 secret guesses a second and 14 join codes a second were measured; after the burst, one each 5 s and 2 s."""
    assert SECRETS.every >= 5.0 and JOIN_CODES.every >= 2.0
    assert "try again in 5 s" in refusal("presenter secrets", 4.6)


def test_remembered_keys_are_bounded(monkeypatch):
    import importlib
    module = importlib.import_module(Throttle.__module__)
    monkeypatch.setattr(module, "MAX_KEYS", 10)
    tries = Throttle(burst=1, every=60.0, clock=Clock())
    for i in range(50):
        tries.spend([i])
    assert len(tries._spent) == 10


def test_a_signed_in_person_is_one_voter_on_every_device():
    user = {"is_logged_in": True, "iss": "https://login.example.edu", "sub": "12345", "email": "a@example.edu"}
    laptop, phone = person(dict(user)), person(dict(user, name="A. Student"))
    assert laptop == phone and laptop.startswith("p") and "12345" not in laptop and "example" not in laptop
    assert person(dict(user, sub="67890")) != laptop
    assert person(dict(user, iss="https://other.example.org")) != laptop  # another provider's subject 12345


def test_nobody_signed_in_or_no_sign_in_configured_gives_no_person(monkeypatch):
    assert person({"is_logged_in": False}) is None
    assert person({}) is None and not configured({})  # no [auth] section: st.user is empty here
    assert configured({"is_logged_in": False})
    monkeypatch.delenv("VAE_LAB_VOTE_SIGN_IN", raising=False)
    assert not wanted()
    monkeypatch.setenv("VAE_LAB_VOTE_SIGN_IN", "1")
    assert wanted()


# -- in the app (AppTest: every session is one address here, "local") ------------------------------------------
SECRET = "guessed-secret"


@pytest.fixture
def fresh_tries(vote_folder, monkeypatch):
    """The vote store in this test's folder with a known presenter secret; the throttles' memories empty."""
    from vae_ui.lecture import classroom, throttle

    monkeypatch.setenv("VAE_LAB_PRESENTER_SECRET", SECRET)
    for bucket in (throttle.SECRETS, throttle.JOIN_CODES):
        monkeypatch.setattr(bucket, "_spent", type(bucket._spent)())
    yield
    classroom.store.clear()


def _start_with(at, secret: str) -> str:
    at.text_input(key="class_secret_input").input(secret)
    at.button(key="class_start").click().run()
    return " ".join(texts(at, "error"))


def test_guessing_the_presenter_secret_is_slowed_and_the_right_one_never_waits_before(fresh_tries):
    lecturer = app("home")
    said = [_start_with(lecturer, f"guess-{i}") for i in range(SECRETS.burst + 1)]
    assert all("only the presenter can do that" in s for s in said[:-1])
    assert "too many wrong presenter secrets from here" in said[-1]  # the sixth: refused unchecked
    other = app("home")  # a new connection from the same address is slowed too
    assert "too many wrong presenter secrets" in _start_with(other, SECRET)
    assert "class_code" not in other.session_state or not other.session_state["class_code"]


def test_the_right_secret_opens_a_class_and_gives_the_session_first_place_in_the_pool(fresh_tries):
    from vae_ui.service import trainer

    lecturer = app("home")
    assert not _start_with(lecturer, SECRET)
    assert lecturer.session_state["class_code"]
    assert len(trainer.scheduler()._first) >= 1  # (its session id: AppTest does not expose it)
    lecturer.button(key="class_end").click().run()


def test_probing_join_codes_is_slowed(fresh_tries):
    said = []
    for i in range(JOIN_CODES.burst + 1):
        at = app("home", code=f"ZZZZ{'23456789ABCDEFGHJK'[i]}")  # well-formed codes no class has
        said.append(" ".join(texts(at, "error")))
    assert all("no class has the code" in s for s in said[:-1])
    assert "too many wrong join codes from here" in said[-1]


def test_with_sign_in_off_the_vote_page_is_as_before(fresh_tries, monkeypatch):
    """No [auth] in secrets and VAE_LAB_VOTE_SIGN_IN unset: no sign-in button, a browser's token in the URL."""
    monkeypatch.delenv("VAE_LAB_VOTE_SIGN_IN", raising=False)
    lecturer = app("home")
    assert not _start_with(lecturer, SECRET)
    code = lecturer.session_state["class_code"]
    student = app("home", code=code)
    assert_clean(student)
    assert not [b for b in student.button if b.key == "vote_sign_in"]
    assert student.query_params["voter"].count(".") == 1  # a browser's signed token, as before
    monkeypatch.setenv("VAE_LAB_VOTE_SIGN_IN", "1")  # asked for, but no sign-in configured: still a browser's
    again = app("home", code=code)
    assert_clean(again)
    assert not [b for b in again.button if b.key == "vote_sign_in"]


class FakeUser(dict):
    """What ``st.user`` gives a page: a mapping with attribute access (no identity provider here)."""

    def __getattr__(self, name):
        return self.get(name)


def test_with_sign_in_one_signed_in_person_on_two_devices_votes_once(fresh_tries, monkeypatch):
    import streamlit as st

    from vae_ui.lecture import classroom

    lecturer = app("home")
    assert not _start_with(lecturer, SECRET)
    code = lecturer.session_state["class_code"]
    classroom.store().show(SECRET, code, 3, "Where do they land?", ("here", "there"), revealed=False)
    monkeypatch.setenv("VAE_LAB_VOTE_SIGN_IN", "1")
    monkeypatch.setattr(st, "user", FakeUser(is_logged_in=False))
    stranger = app("home", code=code)
    assert [b for b in stranger.button if b.key == "vote_sign_in"] and not [b for b in stranger.button if b.key == "vote_3_1_0"]
    monkeypatch.setattr(st, "user", FakeUser(is_logged_in=True, iss="https://login.example.edu", sub="s-1"))
    laptop, phone = app("home", code=code), app("home", code=code)
    laptop.button(key="vote_3_1_0").click().run()
    phone.button(key="vote_3_1_1").click().run()  # the same person changes their mind on another device
    assert_clean(laptop)
    assert_clean(phone)
    assert classroom.store().counts(SECRET, code, 3, 1) == {1: 1}
    assert classroom.store().joined(SECRET, code) == 1
