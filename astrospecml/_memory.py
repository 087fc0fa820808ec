"""Freed activations kept for the next forward pass, where the C library is glibc (Linux).

A network's forward pass on the CPU allocates its activations (16 MB a layer
for CNN-1D on 256 spectra of 1,024 pixels) and frees them at the end.  glibc
serves blocks that large by mapping fresh memory, or returns the top of its
heap to the system once more than a few tens of MB lie free there; either
way the next pass faults every page in again.  Measured with CNN-1D on 4,096 spectra
of 1,024 pixels (2 threads): 261,120 page faults a call and 7,900-8,700
spectra per second, against none and 18,400-23,400 with the memory kept.
Whether a process falls into that depends on how its heap happens to lie,
so the rate of the same call moved by three times from one process to the
next.  :func:`reuse_freed_memory` raises glibc's two thresholds (``mallopt``)
so that blocks of up to 32 MiB come from the heap and up to 128 MiB of free
heap stay mapped: the memory is reused by the process, not returned.
"""
import ctypes
import os
import sys

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "reuse_freed_memory"]

#: Largest block glibc serves from its heap afterwards: glibc's own upper limit on 64-bit systems.
MMAP_THRESHOLD = 32 * 2**20
#: Free memory at the top of the heap that glibc keeps mapped: several passes' activations.
TRIM_THRESHOLD = 128 * 2**20

# mallopt's parameter numbers (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3

_applied = None  # None: not tried yet in this process; then whether glibc took both settings


def _allocator_chosen_by_the_user():
    """Whether the user tuned glibc's malloc or replaced it (jemalloc, tcmalloc...): theirs stays."""
    return (any(name.startswith("MALLOC_") for name in os.environ) or "glibc.malloc" in os.environ.get(
        "GLIBC_TUNABLES", "") or bool(os.environ.get("LD_PRELOAD")))


def reuse_freed_memory():
    """Have glibc keep freed blocks of up to `MMAP_THRESHOLD` for reuse; once per process.

    Does nothing where the C library is not glibc, or where the user tuned or
    replaced the allocator (``MALLOC_*`` variables, ``GLIBC_TUNABLES``,
    ``LD_PRELOAD``).  Prediction on the CPU calls it unless
    ``astrospecml.set_config(reuse_freed_memory=False)``.

    Returns
    -------
    bool
        Whether glibc's thresholds are now those of this module.

    Examples
    --------
    >>> from astrospecml._memory import reuse_freed_memory
    >>> reuse_freed_memory() in (True, False)
    True
    """
    global _applied
    if _applied is None:
        _applied = False
        if sys.platform.startswith("linux") and not _allocator_chosen_by_the_user():
            try:
                libc = ctypes.CDLL(None)  # the symbols of the running process, its C library's among them
            except OSError:  # pragma: no cover - a static interpreter
                return False
            if hasattr(libc, "gnu_get_libc_version") and hasattr(libc, "mallopt"):
                _applied = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
                    libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _applied
