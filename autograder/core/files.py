"""Small file helpers shared by the grader and its feedback: atomic writes, and reads of files that
someone else (a learner, a child process) controls."""

from __future__ import annotations

import os
import stat
import tempfile
import unicodedata
from pathlib import Path


def atomic_write(path: Path, text: str) -> None:
    """Write `text` so that readers see the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    os.replace(temporary, path)


class NotRegularFile(OSError):
    """A path that is a symlink, a FIFO, a device or a folder, or a file over its size cap."""


def read_regular(path: Path, cap: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `cap` bytes, reached without
    following a symlink; otherwise NotRegularFile (FileNotFoundError when it is missing).

    O_NONBLOCK: opening a FIFO must not wait for a writer that never comes."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: the last part of the path is a symlink
            raise NotRegularFile(f"{path.name}: a symbolic link") from None
        raise
    with os.fdopen(handle, "rb") as source:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(f"{path.name}: not a regular file")
        if info.st_size > cap:
            raise NotRegularFile(f"{path.name}: {info.st_size} bytes (at most {cap})")
        data = source.read(cap + 1)
    if len(data) > cap:
        raise NotRegularFile(f"{path.name}: over {cap} bytes")
    return data


def printable(text: object, limit: int = 300, multiline: bool = False) -> str:
    """`text` safe for a terminal, a Markdown file or a log: control and format characters (escape
    sequences, bidirectional overrides; line breaks unless `multiline`) become visible escapes, and
    it is cut at `limit` characters."""
    kept = "\n" if multiline else ""
    shown = "".join(
        c
        if c in kept or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
        else f"\\u{ord(c):04x}"
        for c in str(text)[: limit + 1]
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
