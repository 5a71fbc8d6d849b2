"""The class vote's SQLite file (no Streamlit here): opened on use, one connection per thread, in WAL mode, made again
when it is deleted while the app runs, and what is wrong with it said in one sentence for the lecturer
(:meth:`VoteFile.problem`) and one for a student (:class:`Unavailable`). What is stored in it: :mod:`vae_ui.lecture.votes`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from pathlib import Path

DATA_DIR = Path(os.environ.get("VAE_LAB_DATA", Path(__file__).resolve().parents[2] / "data"))
BUSY_SECONDS = 2.0  # a vote waits this long for another writer, then "busy, try again" (200 votes at once: no wait near it)
BUSY_SHOWN = 30.0  # seconds the lecturer is told of the last time the store was busy

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS classes (
    code TEXT PRIMARY KEY, scene INTEGER NOT NULL, prompt TEXT NOT NULL, choices TEXT NOT NULL,
    round INTEGER NOT NULL, revealed INTEGER NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS votes (
    code TEXT NOT NULL, scene INTEGER NOT NULL, round INTEGER NOT NULL, voter TEXT NOT NULL,
    choice INTEGER NOT NULL, changes INTEGER NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (code, scene, round, voter));
CREATE TABLE IF NOT EXISTS joins (code TEXT NOT NULL, voter TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (code, voter));
"""
TABLES = {"meta", "classes", "votes", "joins"}


class Refused(ValueError):
    """A request the vote store will not carry out; its message is for the page."""


class Unavailable(Refused):
    """The store cannot be used just now (its message is for a student; :meth:`VoteFile.problem`, for the lecturer)."""


class Busy(Unavailable):
    """Another connection held the store locked for longer than BUSY_SECONDS."""


class VoteFile:
    """One SQLite file (one connection per thread, as sqlite3 wants).

    Nothing is opened when the store is made: each call opens (or reopens) what it needs, so a store that was broken
    works again as soon as its file or folder is put right, without a restart.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else DATA_DIR / "votes.sqlite3"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._stored_secret: str | None = None  # read once: a stored secret never changes
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file this store last opened
        self._remade = False  # the file was deleted or replaced while in use: its classes are gone
        self._fault: str | None = None  # the lecturer's sentence for the last time the store could not be used
        self._busy_at = 0.0  # when a vote last found the store locked (time.time())

    def _file(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def _db(self) -> sqlite3.Connection:
        """This thread's connection; a new one when the file was deleted or replaced since it was opened."""
        db = getattr(self._local, "db", None)
        if db is not None and self._local.identity == self._file():
            return db
        if db is not None:
            self._local.db = None
            db.close()
        return self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise self._unavailable(f"The class vote is off: its folder {self.path.parent} cannot be made "
                                    f"({err.strerror or err}); set VAE_LAB_DATA to a folder this app may write "
                                    "and restart it.") from None
        db = None
        try:
            db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)  # autocommit; BEGIN where needed
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            fresh = "classes" not in tables
            if TABLES - tables:
                db.executescript(SCHEMA)  # a new file (or one deleted while the app ran, or from before joins)
                if self._stored_secret is not None:  # the presenter keeps the secret printed at the start
                    db.execute("INSERT OR IGNORE INTO meta VALUES ('presenter_secret', ?)", (self._stored_secret,))
        except sqlite3.Error as err:
            if db is not None:
                db.close()
            raise self._failed(err) from None
        identity = self._file()
        with self._lock:
            if self._identity is not None and (fresh or identity != self._identity):  # (an inode may be reused)
                self._remade = True
            self._identity = identity
        self._local.db, self._local.identity = db, identity
        return db

    @contextlib.contextmanager
    def _using(self):
        """Any SQLite error inside becomes :class:`Unavailable`; the thread's connection is opened afresh next time."""
        try:
            yield
        except sqlite3.Error as err:
            db, self._local.db = getattr(self._local, "db", None), None
            if db is not None:
                db.close()
            raise self._failed(err) from None

    def _failed(self, err: sqlite3.Error) -> Unavailable:
        """What an SQLite error means for the class, said to a student (the error) and to the lecturer (stored)."""
        name = getattr(err, "sqlite_errorname", "") or ""
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            self._busy_at = time.time()
            return Busy("the vote store is busy, try again")
        if name.startswith("SQLITE_READONLY") or not self._writable():
            return self._unavailable(self._read_only(), "the vote store is read-only: your vote was not counted "
                                     "(the lecturer's screen says why)")
        if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
            return self._unavailable(f"The class vote is off: {self.path} is not an SQLite database (or is damaged); "
                                     "move it away or delete it, and the app makes a new one.")
        return self._unavailable(f"The class vote is off: {self.path} cannot be used ({err}); move it away, or set "
                                 "VAE_LAB_DATA to another folder and restart the app.")

    def _unavailable(self, for_lecturer: str, for_student: str = "the class vote is not available just now "
                     "(the lecturer's screen says why)") -> Unavailable:
        self._fault = for_lecturer
        return Unavailable(for_student)

    def _writable(self) -> bool:
        return not self.path.exists() or os.access(self.path, os.W_OK)

    def _read_only(self) -> str:
        return (f"The class vote refuses votes: {self.path} is read-only; make it writable again (chmod u+w, or "
                "chattr -i) and votes are taken.")

    def problem(self) -> str | None:
        """One sentence for the lecturer when the store does not work (what is wrong, what to do); None when it does."""
        try:
            with self._using():
                self._db().execute("SELECT 1 FROM classes LIMIT 1").fetchone()
        except Busy:
            pass  # said below
        except Unavailable:
            return self._fault
        if not self._writable():
            return self._read_only()
        if time.time() - self._busy_at < BUSY_SHOWN:
            return (f"The vote store {self.path} was busy (another program holds it locked): votes waited "
                    f"{BUSY_SECONDS:g} s and were refused; close that program.")
        if self._remade:
            return (f"The vote store {self.path} was deleted while the app ran and has been made again: the classes "
                    "opened before are gone; start a class vote again.")
        return None
