"""Wrong guesses slowed: a bucket of tries per session and per client address, refilled at a fixed rate.

Guessing the presenter secret, or probing join codes, costs a try only when the guess is wrong: a lecturer who types
the secret right, or a hall of students sharing one address who open the right join link, never wait. After
``burst`` wrong guesses from one session or one address, the next is refused until a try has come back (one every
``every`` seconds), without being checked. Standard library only; the clock is a parameter, for the tests.

An address is what the server sees (``st.context.ip_address``; every tab on this machine is one address, "local").
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

MAX_KEYS = 4096  # sessions and addresses remembered; the longest untouched is forgotten first (full buckets)


class Throttle:
    """Tries per key: at most ``burst`` at once, then one every ``every`` seconds."""

    def __init__(self, burst: int, every: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.every, self._clock = burst, every, clock
        self._spent: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()  # key -> (tries spent, at)
        self._lock = threading.Lock()

    def _now_spent(self, key: Hashable, now: float) -> float:
        spent, at = self._spent.get(key, (0.0, now))
        return max(0.0, spent - (now - at) / self.every)

    def wait(self, keys: Iterable[Hashable]) -> float:
        """Seconds until every one of ``keys`` has a try left (0: a guess may be checked now)."""
        now = self._clock()
        with self._lock:
            spent = max((self._now_spent(k, now) for k in keys), default=0.0)
        return max(0.0, (spent - self.burst + 1) * self.every)

    def spend(self, keys: Iterable[Hashable]) -> None:
        """A wrong guess: one try less for each of ``keys``."""
        now = self._clock()
        with self._lock:
            for key in keys:
                self._spent[key] = (self._now_spent(key, now) + 1.0, now)
                self._spent.move_to_end(key)
            while len(self._spent) > MAX_KEYS:
                self._spent.popitem(last=False)


def refusal(what: str, seconds: float) -> str:
    """The sentence for a guess refused unchecked."""
    return f"too many wrong {what} from here: try again in {max(1, round(seconds))} s"


SECRETS = Throttle(burst=5, every=5.0)  # presenter secrets: 5 wrong, then one each 5 s (today: 8 a second)
JOIN_CODES = Throttle(burst=10, every=2.0)  # join codes: 10 wrong, then one each 2 s (today: 14 a second)
