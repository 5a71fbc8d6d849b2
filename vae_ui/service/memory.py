"""The server's memory allocator told to give freed memory back (glibc on Linux; elsewhere nothing is done).

NumPy's large temporary arrays (a quadrature grid through the decoder: 25 MB) are freed a moment after they are
made. glibc serves a large allocation with its own mapping, returned to the system when freed, but each such free
raises its threshold for the next ones (up to 32 MB), after which they come from the heap and its per-thread
arenas (Streamlit runs every session's script in a thread of its own), where freed memory stays with the process.
Fixing the threshold (``mallopt(M_MMAP_THRESHOLD)``) keeps every large array in a mapping of its own.
``benchmarks/class_explores.py`` measures it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters
MMAP_THRESHOLD = 128 * 1024  # glibc's default threshold, fixed: an allocation this large or larger is a mapping

_done = False
_lock = threading.Lock()


def give_back() -> bool:
    """Fix the threshold (once per process). False where there is no glibc."""
    global _done
    with _lock:
        if _done:
            return True
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name) if name else None
        except OSError:
            libc = None
        if libc is None or not hasattr(libc, "mallopt"):
            return False
        _done = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
        return _done
