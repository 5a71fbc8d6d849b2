"""The class vote: the presenter's current question, and the students' votes, in SQLite (no Streamlit here).

One file, ``votes.sqlite3`` in the data folder (the environment variable ``VAE_LAB_DATA``, or ``data/`` beside the
app), in WAL mode: several server processes on one host share it, and a restart loses no vote.

- A **class** is opened by the presenter and has a short join code. Its row holds what the students see: the deck
  scene, its question (prompt and choices only, never the answer), the round (1, then 2 after "Vote again") and
  whether the answer has been revealed.
- A **vote** is (class, scene, round, voter) -> choice. Voting again in the same round replaces the vote. A voter is
  a browser: :meth:`VoteStore.new_voter` makes it a token signed with a key derived from the presenter secret (HMAC),
  so that a changed token is no voter (:meth:`VoteStore.voter`); the students' page keeps it in a cookie and the URL.
- A **join** is (class, voter): the browsers that opened the join link, counted beside the votes.
- Only the holder of the **presenter secret** may open a class or change what it shows
  (:func:`presenter_secret`: set ``VAE_LAB_PRESENTER_SECRET``, or one is made on first use and printed).

Every refusal is a :class:`Refused` with a sentence for the page. A store that cannot be used (its folder cannot be
made, the file is not a database, is read-only, or is held locked by another program) raises :class:`Unavailable`, a
Refused with a sentence for a student, and :meth:`VoteFile.problem` says to the lecturer what is wrong and what to do;
the app around the vote never depends on it. A file deleted while the app runs is made again (its classes are gone).
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass

from vae_ui.lecture.vote_file import Refused, VoteFile

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 5
MAX_VOTER = 64  # characters of a voter id
MIN_SECONDS_BETWEEN_VOTES = 0.5  # one voter, one question: a flood is refused
MAX_VOTES_PER_QUESTION = 20  # changes of mind one voter may make in one round


@dataclass(frozen=True)
class Showing:
    """What a class's students see now."""

    code: str
    scene: int  # 0: no question at the moment
    prompt: str
    choices: tuple[str, ...]
    round: int
    revealed: bool


class VoteStore(VoteFile):
    """The votes of every class, and what each class shows, in one SQLite file (:class:`VoteFile`)."""

    # -- the presenter ----------------------------------------------------------------------------------------
    def presenter_secret(self) -> tuple[str, bool]:
        """The secret that makes a session the presenter, and whether it was made just now (to be printed)."""
        configured = os.environ.get("VAE_LAB_PRESENTER_SECRET")
        if configured:
            return configured, False
        if self._stored_secret is not None:
            return self._stored_secret, False
        made = secrets.token_urlsafe(9)
        with self._using():
            db = self._db()
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('presenter_secret', ?)", (made,))
            (stored,) = db.execute("SELECT value FROM meta WHERE key = 'presenter_secret'").fetchone()
        self._stored_secret = stored
        return stored, stored == made

    def is_presenter(self, secret: str) -> bool:
        return bool(secret) and hmac.compare_digest(secret.encode(), self.presenter_secret()[0].encode())

    def _check(self, secret: str) -> None:
        if not self.is_presenter(secret):
            raise Refused("only the presenter can do that (the presenter secret is printed where the app was started)")

    def open_class(self, secret: str) -> str:
        """A new class with a fresh join code."""
        self._check(secret)
        with self._using():
            db = self._db()
            for _ in range(50):
                code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
                try:
                    db.execute("INSERT INTO classes VALUES (?, 0, '', '[]', 1, 0, ?)", (code, time.time()))
                except sqlite3.IntegrityError:
                    continue
                self._remade = False  # (said to the lecturer until a class starts again)
                return code
        raise Refused("no free join code")  # pragma: no cover - 32^5 codes

    def show(self, secret: str, code: str, scene: int, prompt: str, choices: tuple[str, ...], revealed: bool,
             round_: int | None = None) -> None:
        """What the class sees: scene ``scene``'s question (scene 0: none). A new scene starts at round 1."""
        self._check(secret)
        now = self.showing(code)
        if round_ is None:
            round_ = now.round if now.scene == scene else 1
        with self._using():
            self._db().execute("UPDATE classes SET scene = ?, prompt = ?, choices = ?, round = ?, revealed = ?, "
                               "updated = ? WHERE code = ?", (scene, prompt, json.dumps(list(choices)), round_,
                                                              int(revealed), time.time(), now.code))

    def vote_again(self, secret: str, code: str) -> int:
        """A second round of the same question (vote, discuss, vote again); returns the new round."""
        now = self.showing(code)
        self.show(secret, code, now.scene, now.prompt, now.choices, False, now.round + 1)
        return now.round + 1

    def counts(self, secret: str, code: str, scene: int, round_: int) -> Counter:
        """choice -> votes, for the presenter only."""
        self._check(secret)
        with self._using():
            rows = self._db().execute("SELECT choice, COUNT(*) FROM votes WHERE code = ? AND scene = ? AND round = ? "
                                      "GROUP BY choice", (code, scene, round_)).fetchall()
        return Counter({choice: n for choice, n in rows})

    # -- a student ------------------------------------------------------------------------------------------
    def showing(self, code: str) -> Showing:
        code = code.strip().upper() if isinstance(code, str) else ""
        if len(code) != CODE_LENGTH or any(c not in CODE_LETTERS for c in code):
            raise Refused(f"'{code[:12]}' is not a join code (it has {CODE_LENGTH} letters and digits)")
        with self._using():
            row = self._db().execute("SELECT scene, prompt, choices, round, revealed FROM classes WHERE code = ?",
                                     (code,)).fetchone()
        if row is None:
            raise Refused(f"no class has the code {code}: check it with the lecturer's screen")
        scene, prompt, choices, round_, revealed = row
        return Showing(code, scene, prompt, tuple(json.loads(choices)), round_, bool(revealed))

    def vote(self, code: str, scene: int, round_: int, voter: str, choice: int) -> None:
        """One student's vote for the question shown now; a second vote in the same round replaces the first."""
        now = self.showing(code)
        if not now.scene or scene != now.scene or round_ != now.round:
            raise Refused("that question is not open for votes any more")
        if now.revealed:
            raise Refused("the answer has been revealed: voting is closed")
        if not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < len(now.choices):
            raise Refused("there is no such choice")
        if not isinstance(voter, str) or not 0 < len(voter) <= MAX_VOTER:
            raise Refused("this browser has no valid voter id")
        with self._using():
            self._write_vote(now.code, scene, round_, voter, choice)

    def _write_vote(self, code: str, scene: int, round_: int, voter: str, choice: int) -> None:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")  # waits up to BUSY_SECONDS for another writer
        try:
            row = db.execute("SELECT changes, at FROM votes WHERE code = ? AND scene = ? AND round = ? AND voter = ?",
                             (code, scene, round_, voter)).fetchone()
            at = time.time()
            if row is not None:
                changes, last = row
                if at - last < MIN_SECONDS_BETWEEN_VOTES:
                    raise Refused("one vote at a time: wait a moment before changing it")
                if changes >= MAX_VOTES_PER_QUESTION:
                    raise Refused("that is enough changes of mind for one question")
            db.execute("INSERT INTO votes VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (code, scene, round, voter) "
                       "DO UPDATE SET choice = excluded.choice, changes = changes + 1, at = excluded.at",
                       (code, scene, round_, voter, choice, at))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def new_voter(self) -> str:
        """A browser's voter token: a random id and its signature, ``id.signature``."""
        return self.sign(secrets.token_hex(8))

    def sign(self, voter_id: str) -> str:
        """The voter token of ``voter_id``: a browser's random id, or a signed-in person's (lecture/signin.py)."""
        return f"{voter_id}.{self._signature(voter_id)}"

    def voter(self, token: object) -> str | None:
        """``token`` when this server signed it (any process sharing the presenter secret), else None."""
        if not isinstance(token, str) or len(token) > MAX_VOTER or token.count(".") != 1:
            return None
        voter_id, signature = token.split(".")
        return token if voter_id and hmac.compare_digest(signature, self._signature(voter_id)) else None

    def _signature(self, voter_id: str) -> str:
        key = hmac.new(self.presenter_secret()[0].encode(), b"VAE Lab voter tokens", "sha256").digest()
        return hmac.new(key, voter_id.encode(), "sha256").hexdigest()[:24]

    def join(self, code: str, voter: str) -> None:
        """A browser opened class ``code``'s join link (once, however often it reloads)."""
        now = self.showing(code)
        with self._using():
            self._db().execute("INSERT OR IGNORE INTO joins VALUES (?, ?, ?)", (now.code, voter, time.time()))

    def joined(self, secret: str, code: str) -> int:
        """How many browsers joined class ``code``, for the presenter only."""
        self._check(secret)
        with self._using():
            return self._db().execute("SELECT COUNT(*) FROM joins WHERE code = ?", (code,)).fetchone()[0]

    def my_vote(self, code: str, scene: int, round_: int, voter: str) -> int | None:
        with self._using():
            row = self._db().execute("SELECT choice FROM votes WHERE code = ? AND scene = ? AND round = ? "
                                     "AND voter = ?", (code, scene, round_, voter)).fetchone()
        return None if row is None else row[0]
