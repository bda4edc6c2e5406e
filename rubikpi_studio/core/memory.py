"""Keep glibc from holding on to memory the app has freed (Linux only; a no-op elsewhere).

`bench/soak.py` found the app's RSS creeping while its live heap, objects, handles and threads stayed flat:
freed memory that the allocators kept (see docs/reliability.md, "The RSS creep"; the cause, a peak that
grew with every reconnect, is fixed in server._skip_chatter). Two allocator settings make glibc give back
more of what the app frees, without touching what it allocates:

- glibc raises its mmap threshold each time a large mmapped block is freed (up to 32 MiB on 64-bit), so later
  large buffers (HTTP and SSH reads, SFTP requests) come from the heap and leave holes when freed. A fixed
  threshold (`M_MMAP_THRESHOLD`, which also turns the adjustment off) keeps them in their own mappings,
  returned to the system on free.
- `malloc_trim(0)` gives free pages inside the heaps back to the system. It walks every arena, so it runs at
  the rare moments when a lot was just freed: after a board connection is closed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
from typing import Any

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)
MMAP_THRESHOLD = 128 * 1024  # glibc's default starting value, now kept fixed

_lock = threading.Lock()
_libc: Any = None
_looked = False


def _glibc() -> Any:
    """The C library when it is glibc (it has malloc_trim and mallopt), else None."""
    global _libc, _looked
    with _lock:
        if not _looked:
            _looked = True
            if sys.platform.startswith("linux"):
                try:
                    lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                    lib.malloc_trim.argtypes = [ctypes.c_size_t]
                    lib.malloc_trim.restype = ctypes.c_int
                    lib.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
                    lib.mallopt.restype = ctypes.c_int
                    _libc = lib
                except (OSError, AttributeError):  # musl and others: no malloc_trim
                    _libc = None
        return _libc


def tune_allocator() -> bool:
    """Fix glibc's mmap threshold (once, at start-up). True when it was applied."""
    lib = _glibc()
    return bool(lib is not None and lib.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1)


def trim() -> bool:
    """Give freed heap pages back to the system. True when glibc released something."""
    lib = _glibc()
    return bool(lib is not None and lib.malloc_trim(0) == 1)
