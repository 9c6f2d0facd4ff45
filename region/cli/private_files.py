"""Files the CLI writes that may hold secrets (exports, decrypted exports, findings, reports,
claim links, the dev secret, silo logs): readable by their owner only, never through a link.

A file is created 0600 with O_EXCL under a temporary name in the destination's directory,
written, then renamed onto the destination: an existing file (or a symlink planted there) is
replaced, never written through, and a failed write leaves nothing behind. Directories the CLI
creates for such files are 0700.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def private_directory(path: Path) -> Path:
    """Create ``path`` (and parents) if missing; a directory this creates is 0700."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _created(path: Path) -> Iterator[int]:
    """A new 0600 file (O_EXCL) beside ``path``, renamed onto it once the block completes."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.absolute().parent)
    try:
        yield fd
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def private_text(path: Path) -> Iterator[IO[str]]:
    """A text file only its owner can read (0600), written whole or not at all."""
    with _created(path) as fd, os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
        yield stream


@contextlib.contextmanager
def private_binary(path: Path) -> Iterator[IO[bytes]]:
    """A binary file only its owner can read (0600), written whole or not at all."""
    with _created(path) as fd, os.fdopen(fd, "wb") as stream:
        yield stream


def write_private(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` as a private file (see the module)."""
    if isinstance(data, bytes):
        with private_binary(path) as out:
            out.write(data)
    else:
        with private_text(path) as text:
            text.write(data)


def append_private(path: Path) -> IO[bytes]:
    """``path`` opened for appending (a log), created 0600, never through a symlink."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    return os.fdopen(fd, "ab")
