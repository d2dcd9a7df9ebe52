"""Small file helpers shared by the grader and its feedback: atomic writes, and reads of files that
someone else (a learner, a child process) controls."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import unicodedata
from pathlib import Path
from typing import Any


def atomic_write(path: Path, text: str) -> None:
    """Write `text` so that readers see the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    os.replace(temporary, path)


class NotRegularFile(OSError):
    """A path that is a symlink, a FIFO, a device or a folder, or a file over its size cap."""


def _open_regular(path: Path, cap: int) -> tuple[int, int]:
    """An open descriptor of `path` and its size, if it is a regular file of at most `cap` bytes reached
    without following a symlink; otherwise NotRegularFile (FileNotFoundError when it is missing).

    O_NONBLOCK: opening a FIFO must not wait for a writer that never comes."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: the last part of the path is a symlink
            raise NotRegularFile(f"{path.name}: a symbolic link") from None
        raise
    info = os.fstat(handle)
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = f"{path.name}: not a regular file"
    elif info.st_size > cap:
        problem = f"{path.name}: {info.st_size} bytes (at most {cap})"
    if problem:
        os.close(handle)
        raise NotRegularFile(problem)
    return handle, info.st_size


def read_regular(path: Path, cap: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `cap` bytes, reached without
    following a symlink; otherwise NotRegularFile (FileNotFoundError when it is missing)."""
    handle, _ = _open_regular(path, cap)
    with os.fdopen(handle, "rb") as source:
        data = source.read(cap + 1)
    if len(data) > cap:
        raise NotRegularFile(f"{path.name}: over {cap} bytes")
    return data


CHUNK = 1 << 20
STEP_FILE_CAP = 1 << 20  # bytes of one learner's step file: larger ones are refused, never read


def copy_regular(path: Path, target: Path, cap: int) -> str:
    """Copy `path` to `target` on the conditions of read_regular, a chunk at a time (whatever the
    file's size, little memory); the sha256 of exactly the bytes copied."""
    handle, _ = _open_regular(path, cap)
    digest, copied = hashlib.sha256(), 0
    try:
        with os.fdopen(handle, "rb") as source, open(target, "wb") as out:
            while chunk := source.read(CHUNK):
                copied += len(chunk)
                if copied > cap:
                    raise NotRegularFile(f"{path.name}: over {cap} bytes")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


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


UNSHOWN = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs")


def shown(name: str) -> str:
    """A name (a student's folder) as a terminal, a CSV cell or a Markdown page shows it: every
    character that would not show as itself (control and format characters, odd spaces, a byte that
    is not UTF-8) is escaped, and so is a backslash, so two different names never look the same.
    Only for display: the name itself is the key."""
    out = []
    for char in name:
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif char == " ":
            out.append(char)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte os.listdir could not decode (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(char) in UNSHOWN:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def json_text(data: Any) -> str:
    """`data` as indented JSON text (Hangul as it is) that any UTF-8 reader takes: a folder name holding
    a byte that is not UTF-8 (a lone surrogate in Python) is written as its JSON escape, which
    json.loads reads back as the same name."""
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
