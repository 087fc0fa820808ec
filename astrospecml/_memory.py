"""Freed activations kept for the next forward pass, where the C library is glibc (Linux).

A network's forward pass on the CPU allocates its activations (16 MB a layer
for CNN-1D on 256 spectra of 1,024 pixels, 60 MB on 256 of 3,700 pixels,
about a LAMOST spectrum's length) and frees them at the end.  glibc serves
blocks that large by mapping fresh memory, or returns the top of its heap
to the system once more than a few tens of MB lie free there; either way
the next pass faults every page in again.  Measured with CNN-1D on 4,096
spectra of 1,024 pixels (2 threads): 261,120 page faults a call and
7,900-8,700 spectra per second, against none and 18,400-23,400 with the
memory kept.  Whether a process falls into that depends on how its heap
happens to lie, so the rate of the same call moved by three times from one
process to the next.  :func:`reuse_freed_memory` raises glibc's two
thresholds (``mallopt``) so that blocks of up to 256 MiB come from the heap
and up to 512 MiB of free heap stay mapped: the memory is reused by the
process, not returned.  Under a threshold of 32 MiB, glibc's largest
automatic one and this module's first setting, a block of 32 MiB or more
was still mapped afresh at each pass (CNN-1D on 1,024 spectra of 512
pixels: 21,600 spectra per second against 48,800 with these thresholds; on
256 spectra of 3,700 pixels, 4,500 against 5,900).
"""
import ctypes
import os
import sys

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "reuse_freed_memory"]

#: Largest block glibc serves from its heap afterwards: a layer's activations on 256 long spectra.
MMAP_THRESHOLD = 256 * 2**20
#: Free memory at the top of the heap that glibc keeps mapped: a pass's activations (twice the block, as
#: glibc's own automatic setting does).
TRIM_THRESHOLD = 512 * 2**20
#: The largest mmap threshold older glibc releases take (64-bit): tried when they refuse `MMAP_THRESHOLD`.
_OLDER_GLIBC_MMAP_LIMIT = 32 * 2**20

# mallopt's parameter numbers (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3

_applied = None  # None: not tried yet in this process; then whether glibc took both settings


def _allocator_chosen_by_the_user():
    """Whether the user tuned glibc's malloc or replaced it (jemalloc, tcmalloc...): theirs stays."""
    return (any(name.startswith("MALLOC_") for name in os.environ) or "glibc.malloc" in os.environ.get(
        "GLIBC_TUNABLES", "") or bool(os.environ.get("LD_PRELOAD")))


def reuse_freed_memory():
    """Have glibc keep freed blocks of up to `MMAP_THRESHOLD` for reuse; once per process.

    A glibc that refuses a threshold that high (releases whose limit was
    32 MiB on 64-bit systems) gets its limit.

    Does nothing where the C library is not glibc, or where the user tuned or
    replaced the allocator (``MALLOC_*`` variables, ``GLIBC_TUNABLES``,
    ``LD_PRELOAD``).  Prediction on the CPU calls it unless
    ``astrospecml.set_config(reuse_freed_memory=False)``.

    Returns
    -------
    bool
        Whether glibc took the thresholds.

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
                blocks = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) or libc.mallopt(
                    _M_MMAP_THRESHOLD, _OLDER_GLIBC_MMAP_LIMIT)
                _applied = bool(blocks) and bool(libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _applied
