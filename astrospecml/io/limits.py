"""Limits on what a file may make the library decompress or allocate, checked before reading it.

A survey file is data from outside: a small gzip file of zeros can expand to
gigabytes, and a FITS header can declare a table of 10⁸ rows in a file of a
few kilobytes, which a reader allocates before it finds the rows missing.
`check_file_size` streams a file once, in blocks, and refuses it when its
decompressed size passes a limit or when its FITS headers declare more data
than the file holds; memory stays flat whatever the file claims.
"""
import bz2
import gzip
import lzma
import os

__all__ = ["FileTooLargeError", "MAX_INPUT_BYTES", "check_file_size"]

#: Default limit on the bytes one spectrum file may hold once decompressed: ten times the largest
#: single-spectrum survey files (SDSS ``spec`` files with every exposure, a few MB), so no real file
#: comes near it while a decompression bomb stops at 64 MiB.
MAX_INPUT_BYTES = 64 * 2**20

_BLOCK = 2880  # a FITS record
_OPENERS = {b"\x1f\x8b": gzip.open, b"BZh": bz2.open, b"\xfd7zXZ\x00": lzma.open}


class FileTooLargeError(ValueError):
    """A file decompresses to more than the limit, or declares more data than it holds.

    A subclass of `ValueError`, raised by `check_file_size` with the reason.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "big.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("x" * 100)
    >>> try:
    ...     check_file_size(path, max_bytes=10)
    ... except FileTooLargeError as error:
    ...     print(type(error).__name__, "big.txt" in str(error))
    FileTooLargeError True
    """


class _OverLimit(Exception):
    """Raised inside the stream walk when the bytes read pass the limit."""


def _opener(path):
    with open(path, "rb") as handle:
        head = handle.read(6)
    for magic, opener in _OPENERS.items():
        if head.startswith(magic):
            return opener
    return None


def _card_value(card):
    text = card[10:].split("/", 1)[0].strip()
    try:
        return int(text)
    except ValueError:
        return text


def _data_bytes(header):
    """Bytes of data (padding excluded) a FITS header declares, from its keywords."""
    naxis = header.get("NAXIS", 0)
    if not isinstance(naxis, int) or not 0 <= naxis <= 999:
        raise FileTooLargeError(f"declares NAXIS = {naxis!r}")
    axes = [header.get(f"NAXIS{k}", 0) for k in range(1, naxis + 1)]
    bitpix, pcount, gcount = header.get("BITPIX", 8), header.get("PCOUNT", 0), header.get("GCOUNT", 1)
    if not all(isinstance(v, int) and v >= 0 for v in (*axes, pcount, gcount)) or not isinstance(bitpix, int):
        raise FileTooLargeError("declares non-integer or negative sizes")
    if naxis == 0:
        return 0
    if axes[0] == 0 and header.get("GROUPS") == "T":  # random groups: NAXIS1 = 0 by convention
        axes = axes[1:]
    product = 1
    for axis in axes:
        product *= axis
    return abs(bitpix) // 8 * gcount * (pcount + product)


def _fits_headers(stream, limit):
    """(headers, total bytes) of a FITS stream, skipping the data; stops past ``limit`` bytes."""
    headers, total = [], 0
    while True:
        header, ended = {}, False
        while not ended:
            block = stream.read(_BLOCK)
            if not block:
                return headers, total
            total += len(block)
            if total > limit:
                raise _OverLimit
            for start in range(0, len(block), 80):
                card = block[start:start + 80].decode("ascii", "replace")
                keyword = card[:8].strip()
                if keyword == "END":
                    ended = True
                    break
                if card[8:10] == "= " and keyword not in header:
                    header[keyword] = _card_value(card)
        headers.append(header)
        data = _data_bytes(header)
        padded = -(-data // _BLOCK) * _BLOCK
        wanted = min(padded, limit - total + 1)  # one byte past the limit tells a file that goes on
        skipped = _skip(stream, wanted)
        total += skipped
        if skipped < wanted and skipped < data:  # the file ended inside the data its header declares
            raise FileTooLargeError(f"HDU {len(headers) - 1} declares {data:,} bytes of data but the file holds "
                                    f"only {skipped:,} of them")
        if total > limit:
            raise _OverLimit


def _skip(stream, n_bytes):
    """Skip ``n_bytes`` of ``stream`` (seeking where it can); returns how many there were."""
    if isinstance(stream, _Plain):
        return stream.skip(n_bytes)
    skipped = 0
    while skipped < n_bytes:
        chunk = stream.read(min(1 << 20, n_bytes - skipped))
        if not chunk:
            break
        skipped += len(chunk)
    return skipped


class _Plain:
    """An uncompressed file: skipping seeks instead of reading."""

    def __init__(self, handle, size):
        self.handle, self.size = handle, size

    def read(self, n):
        return self.handle.read(n)

    def skip(self, n):
        here = self.handle.tell()
        target = min(here + n, self.size)
        self.handle.seek(target)
        return target - here


def check_file_size(path, max_bytes=MAX_INPUT_BYTES):
    """Refuse a file that decompresses past ``max_bytes`` or whose FITS headers declare missing data.

    The file is streamed once in blocks (gzip, bzip2 and xz are decompressed
    on the fly, the data of uncompressed FITS files skipped by seeking), so
    the check costs no more memory than a block whatever the file claims.

    Parameters
    ----------
    path : str or path-like
        The file.
    max_bytes : int, default=`MAX_INPUT_BYTES`
        Most bytes the file may hold once decompressed.

    Returns
    -------
    list of dict
        The FITS headers' keywords with integer or text values (empty for a
        file that is not FITS).

    Raises
    ------
    FileTooLargeError
        With the reason, for a file past the limit or declaring more data than it holds.

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "bomb.fits.gz")
    >>> with gzip.open(path, "wb") as f:
    ...     _ = f.write(bytes(10_000_000))
    >>> os.path.getsize(path) < 20_000
    True
    >>> try:
    ...     check_file_size(path, max_bytes=1_000_000)
    ... except FileTooLargeError as error:
    ...     print(error)
    bomb.fits.gz decompresses to more than 1,000,000 bytes (the limit; ...
    """
    name = os.path.basename(os.fspath(path))
    opener = _opener(path)
    try:
        if opener is None:
            size = os.path.getsize(path)
            if size > max_bytes:
                raise _OverLimit
            with open(path, "rb") as handle:
                if handle.read(9) != b"SIMPLE  =":
                    return []
                handle.seek(0)
                return _fits_headers(_Plain(handle, size), max_bytes)[0]
        with opener(path, "rb") as stream:
            if stream.read(9) != b"SIMPLE  =":  # not FITS: count the bytes alone
                total = 9
                while chunk := stream.read(1 << 20):
                    total += len(chunk)
                    if total > max_bytes:
                        raise _OverLimit
                return []
        with opener(path, "rb") as stream:
            return _fits_headers(stream, max_bytes)[0]
    except _OverLimit:
        verb = "decompresses to" if opener is not None else "holds or declares"
        raise FileTooLargeError(f"{name} {verb} more than {max_bytes:,} bytes (the limit; raise it with "
                                "max_input_bytes (--max-input-bytes) if the file is genuine).") from None
    except FileTooLargeError as err:
        raise FileTooLargeError(f"{name}: {err}; it is damaged or forged and is not read.") from None
    except (OSError, EOFError, lzma.LZMAError) as err:
        raise FileTooLargeError(f"{name} cannot be decompressed ({type(err).__name__}: {err}).") from None


def fits_declared_rows(headers, extension=1):
    """NAXIS2 (rows) of a binary table that `check_file_size` returned the headers of, or None."""
    if len(headers) <= extension:
        return None
    rows = headers[extension].get("NAXIS2")
    return rows if isinstance(rows, int) else None
