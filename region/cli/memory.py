"""Keep the CLI's memory flat when its worker threads allocate: at most two malloc arenas.

Why: glibc gives each thread that allocates its own arena (up to 8 per core), and an arena keeps
what it freed; an import's batch workers and page readers each encode and decode messages, and
at 1M records the importer's peak RSS grew by 8 MB over the 150 MB target for nothing but
arenas (measured with ``MALLOC_ARENA_MAX=2``: 146.9 MB instead of 154.9 MB, same speed).
``mallopt(M_ARENA_MAX)`` sets the same limit from inside the process; elsewhere than glibc it
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas unless ``MALLOC_ARENA_MAX`` says otherwise; True if set."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))
