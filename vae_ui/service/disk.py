"""Trained runs on disk: the second level under the in-memory run store, shared by every server process on the host
(or on several hosts, on a shared folder) and kept across restarts.

One ``.npz`` file per run (no pickle, and read without ``ast``: :mod:`vae_ui.service.run_file`), named by a digest of the run's full
config and of :data:`CORE_VERSION` (a digest of ``vae_core``'s source: a changed core trains again). A file is
written to a temporary name and renamed into place, so a reader never sees half of it. The folder is bounded in
bytes (``VAE_LAB_STORE_MB``): the runs least recently used are deleted first.

A file that does not load — truncated, corrupt, from another core, its arrays changed — is renamed ``*.bad``,
said in the log, and the run is trained again: a page never sees it. A folder that cannot be written leaves the
app working from memory, and :meth:`DiskStore.problem` says so in one sentence for the lecturer's sidebar.

Two processes that want the same untrained config at once train it once: a page's training *claims* the config
(a lock file per config, ``filelock``) until its run is stored; another process waiting for the same config waits
for the lock, then loads the file.

Configuration: ``VAE_LAB_STORE`` (the folder; default ``store/`` in ``VAE_LAB_DATA`` or ``data/``; ``off``: no
disk store) and ``VAE_LAB_STORE_MB`` (default 2048).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from vae_ui.service import run_file
from vae_ui.service.run_file import Unreadable

# The file's layout and the app's way of training: change it when a run holds something new, or when the app trains a
# config differently outside vae_core (the snapshots' spacing, the likelihood rule, the worker's arguments to fit).
FORMAT = "vae-lab-run/1"
ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "vae_core"
POLL_SECONDS = 0.1  # a process waiting for another's training looks for its file this often
CLAIM_WAIT_SECONDS = 120.0  # ... and trains it itself after this long (4 x the longest a set-up may cost, by default)
TEMP_MAX_AGE = 3600.0  # a temporary file older than this was left by a process killed while writing: deleted
log = logging.getLogger(__name__)


def core_version() -> str:
    """A digest of ``vae_core``'s source files: the same core trains the same run from the same config."""
    digest = hashlib.sha256()
    for path in sorted(CORE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


CORE_VERSION = core_version()


def canonical(config: Any) -> Any:
    """The config as JSON values, numbers as floats: ``beta=1`` and ``beta=1.0`` are one config, as for ``==``."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return {f.name: canonical(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if isinstance(config, (tuple, list)):
        return [canonical(v) for v in config]
    if isinstance(config, bool) or config is None or isinstance(config, str):
        return config
    if isinstance(config, (int, float, np.integer, np.floating)):
        return float(config)
    raise TypeError(f"a run's config holds {type(config).__name__}, which has no stable form on disk")


def key(config: Any) -> str:
    """The file name's stem for ``config``: a digest of the config, the core's version and the file's format."""
    text = json.dumps({"format": FORMAT, "core": CORE_VERSION, "config": canonical(config)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class DiskStore:
    """The runs in ``folder`` (None: no disk store; everything says "not found"), at most ``max_bytes`` of them."""

    def __init__(self, folder: Path | str | None, max_bytes: int) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.max_bytes = max_bytes
        self._fault: str | None = None  # why the folder cannot be written, once found out
        self._checked = False
        self._held: dict[str, FileLock] = {}  # configs this process claimed, until their run is stored
        self._lock = threading.Lock()
        self.loaded = self.saved = self.set_aside = 0  # counts, for tests and the warm command

    # -- reading
    def path(self, config: Any) -> Path:
        assert self.folder is not None
        return self.folder / f"{key(config)}.npz"

    def find(self, config: Any, make: Callable[..., Any]) -> Any | None:
        """The stored run of ``config`` built by ``make(config=..., likelihood=..., ...)`` (the run class), its
        arrays read-only; None when there is none, or when its file does not load (set aside, said in the log)."""
        if self.folder is None:
            return None
        path = self.path(config)
        try:
            file = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError:  # none (or a folder that cannot be read: as none)
            return None
        try:
            with file:
                fields = self._read(file, config)
        except Exception as err:  # noqa: BLE001 - whatever is wrong with the file, it is trained again
            self._set_aside(path, err)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: the last to be deleted when the store is full
        self.loaded += 1
        return make(config=config, **fields)

    def _read(self, file: Any, config: Any) -> dict[str, Any]:
        meta, arrays = run_file.read(file)
        if meta.get("format") != FORMAT or meta.get("core") != CORE_VERSION:
            raise Unreadable(f"written by another version ({meta.get('format')}, core {meta.get('core')})")
        if meta.get("config") != canonical(config):
            raise Unreadable("it holds another config's run")
        if meta.get("digest") != run_file.digest(arrays):
            raise Unreadable("its arrays changed after it was written")
        return run_file.fields(config, meta, arrays)

    def _set_aside(self, path: Path, err: BaseException) -> None:
        self.set_aside += 1
        try:
            os.replace(path, path.with_suffix(".bad"))
            log.warning("model store: %s does not load (%s); set aside as %s, the run is trained again", path.name,
                        err, path.with_suffix(".bad").name)
        except OSError as move_err:
            log.warning("model store: %s does not load (%s) and cannot be set aside (%s)", path.name, err, move_err)

    # -- writing
    def keep(self, run: Any) -> bool:
        """Write ``run`` (its config is ``run.config``) to its file, atomically; then delete the least recently
        used runs past the bound. False (and :meth:`problem` says why) when the folder cannot be written."""
        if not self.writable():
            return False
        arrays = run_file.to_arrays(run)
        meta = {"format": FORMAT, "core": CORE_VERSION, "config": canonical(run.config), "likelihood": run.likelihood,
                "input_dim": int(run.input_dim), "seconds": float(run.seconds), "digest": run_file.digest(arrays)}
        path = self.path(run.config)
        try:
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=f".{path.stem}.", suffix=".tmp",
                                             delete=False) as file:
                temporary = Path(file.name)
                run_file.write(file, meta, arrays)
            os.replace(temporary, path)  # (no fsync: a file cut short by a power cut does not load, so is trained again)
        except OSError as err:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(temporary)
            self._fail(err)
            return False
        except Exception:  # noqa: BLE001 - a run that cannot be written stays in memory; the page never hears of it
            log.exception("model store: a run could not be written")
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(temporary)
            return False
        self.saved += 1
        self._evict(keep=path)
        return True

    def _evict(self, keep: Path) -> None:
        """Delete the least recently used runs until the folder holds at most ``max_bytes`` (never ``keep``)."""
        found, now = [], time.time()
        with contextlib.suppress(OSError), os.scandir(self.folder) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    stat = entry.stat()
                    if entry.name.endswith(".npz"):
                        found.append((stat.st_mtime, stat.st_size, entry.path))
                    elif entry.name.endswith(".tmp") and now - stat.st_mtime > TEMP_MAX_AGE:
                        os.unlink(entry.path)
        total = sum(size for _, size, _ in found)
        for _, size, name in sorted(found):
            if total <= self.max_bytes:
                break
            if name == str(keep):
                continue
            with contextlib.suppress(OSError):
                os.unlink(name)
                total -= size

    def writable(self) -> bool:
        """Whether runs can be written (the folder is made and probed once; a failed write says so too)."""
        if self.folder is None:
            return False
        if not self._checked:
            self._checked = True
            try:
                (self.folder / "locks").mkdir(parents=True, exist_ok=True)
                with tempfile.TemporaryFile(dir=self.folder):
                    pass
            except OSError as err:
                self._fail(err)
        return self._fault is None

    def _fail(self, err: OSError) -> None:
        if self._fault is None:
            log.warning("model store: %s cannot be written (%s): models stay in memory only", self.folder, err)
        self._fault = (f"The model store {self.folder} cannot be written ({err.strerror or err}): trained models stay "
                       "in this server's memory only and a restart trains them again; set VAE_LAB_STORE to a folder "
                       "this app may write and restart it.")

    def problem(self) -> str | None:
        """One sentence for the lecturer when the folder cannot be written (None when it can, or there is none)."""
        self.writable()
        return self._fault

    # -- one training per config across processes
    def claim(self, config: Any, wait: bool = True, found: Callable[[], bool] | None = None) -> bool:
        """Take the config's lock for this process until :meth:`release` (a process that holds it already: True at
        once). With ``wait``, wait while another process holds it; ``found()`` is asked meanwhile, and True from it
        (the other's run is stored now) ends the wait: False, as does a wait past :data:`CLAIM_WAIT_SECONDS` (the
        other process is stuck: better train twice than wait for ever). Without ``wait``: False when another holds
        it. A store that cannot be written has no locks: True."""
        if not self.writable():
            return True
        name, deadline = key(config), time.monotonic() + CLAIM_WAIT_SECONDS
        while True:
            with self._lock:
                if name in self._held:
                    return True
                lock = FileLock(self.folder / "locks" / f"{name}.lock", thread_local=False)
                try:
                    lock.acquire(timeout=0)
                except Timeout:
                    pass
                except OSError as err:  # the locks folder went away or turned read-only: no lock, as without a store
                    self._fail(err)
                    return True
                else:
                    self._held[name] = lock
                    return True
            if not wait or (found is not None and found()):
                return False
            if time.monotonic() > deadline:
                log.warning("model store: another process has trained %s for over %.0f s: trained here too", name,
                            CLAIM_WAIT_SECONDS)
                return False
            time.sleep(POLL_SECONDS)

    def release(self, config: Any) -> None:
        """Let other processes train (or, having waited, load) ``config``: this process stored its run, or gave up."""
        with self._lock:
            lock = self._held.pop(key(config), None)
        if lock is not None:
            with contextlib.suppress(OSError):
                lock.release(force=True)

    # -- what the warm command reports
    def bytes_of(self, config: Any) -> int:
        try:
            return self.path(config).stat().st_size if self.folder is not None else 0
        except OSError:
            return 0


def default_folder() -> Path | None:
    """``VAE_LAB_STORE``, else ``store/`` in the data folder (``VAE_LAB_DATA`` or ``data/``); None for ``off``."""
    named = os.environ.get("VAE_LAB_STORE", "")
    if named.lower() == "off":
        return None
    if named:
        return Path(named)
    return Path(os.environ.get("VAE_LAB_DATA", ROOT / "data")) / "store"


_store: DiskStore | None = None
_store_lock = threading.Lock()


def store() -> DiskStore:
    """The disk store of this process (made on first use from the environment)."""
    global _store
    with _store_lock:
        if _store is None:
            _store = DiskStore(default_folder(), int(float(os.environ.get("VAE_LAB_STORE_MB", "2048")) * 2**20))
        return _store


def use(made: DiskStore | None) -> None:
    """Replace this process's disk store (tests; None: made again from the environment on next use)."""
    global _store
    with _store_lock:
        _store = made
