"""Reading what a child left: its result, arrays and printed output, trusted for nothing.

The parent reads only regular files, without following symlinks, with size caps (the caps are the
child's contract, autograder.sandbox.child.contract), checks their shape and makes every string
printable. Its memory is bounded too, not only the bytes it reads: arrays by name and element count
before their data is read, and two exports parsed at a time. Whatever the child wrote, the result is
an Outcome of bounded plain data or nothing.
"""

from __future__ import annotations

import io
import json
import math
import re
import threading
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from autograder.core.files import printable, read_regular
from autograder.core.outcome import Outcome, Status
from autograder.sandbox.child import contract

STATUSES = (Status.OK, Status.NOT_DONE, Status.SYNTAX_ERROR, Status.IMPORT_ERROR, Status.UNREADABLE)
CALL_STATUSES = (Status.OK, Status.NOT_DONE, Status.ERROR, Status.MISSING_FUNCTION, Status.TIMEOUT)


def outcome_from_export(step: int, export: Any, seconds: float = 0.0) -> Outcome:
    """The Outcome of an in-process export (harness.run_namespace), shaped as if read from a child."""
    result = {"status": export.status, "error": export.error, "calls": export.calls, "data": export.data}
    outcome = outcome_from_result(step, json.loads(json.dumps(result, default=str)), dict(export.arrays))
    outcome.seconds = seconds
    return outcome


# --- reading what a child left -------------------------------------------------------------------


# Keras configs: data for the grader's rebuild and replay (autograder.sandbox.replay), never shown to anyone.
CONFIG_KEYS = ("model_json", "compile_config", "config")
CONFIG_CAP = 256 << 10  # characters of one config


def plain(value: Any, depth: int = 0) -> Any:
    """JSON data cut down to bounded, printable plain values (the child may have written anything)."""
    if depth > 8:
        return None
    if isinstance(value, dict):
        items = list(value.items())[:200]
        return {
            printable(k, 100): v
            if k in CONFIG_KEYS and isinstance(v, str) and len(v) <= CONFIG_CAP
            else plain(v, depth + 1)
            for k, v in items
        }
    if isinstance(value, list):
        return [plain(v, depth + 1) for v in value[:10_000]]
    if isinstance(value, str):
        return printable(value, 500)
    if isinstance(value, (bool, int)) and not (isinstance(value, int) and abs(value) > 1 << 62):
        return value
    if isinstance(value, float):
        return value if not math.isnan(value) else float("nan")
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def outcome_from_result(step: int, result: Any, arrays: dict[str, np.ndarray]) -> Outcome:
    """An Outcome from a parsed result.json, whatever its shape: unknown parts are dropped."""
    result = plain(result) if isinstance(result, dict) else {}
    status = result.get("status")
    if status not in STATUSES:
        return Outcome(step, Status.CRASHED, {"message": "result.json has no valid status"})
    calls = {}
    for name, call in _dict(result.get("calls")).items():
        call = _dict(call)
        if call.get("status") in CALL_STATUSES:
            calls[name] = {
                **call,
                "status": Status(call["status"]),
                "error": _dict(call.get("error")) or None,
            }
    error = _dict(result.get("error")) or None
    return Outcome(step, Status(status), error, calls, _dict(result.get("data")), arrays)


# The arrays an export may hold, by name, and how many elements each may have (an honest export has
# x and y of 10, a prediction of 3, 32 weights, fit data of 10): anything else is dropped unread, its
# size known from the .npy header alone. A 64 KiB .npz can hold a 63 MiB array that float64 makes
# 504 MiB: the grader's own memory must not be the learner's to spend.
ARRAY_ELEMENTS = (
    (re.compile(r"[xy]|prediction"), 10_000),
    (re.compile(r"after\d{1,2}"), 10_000),
    (re.compile(r"fit\d{1,2}_[xy]"), 1_000),  # autograder.sandbox.replay replays no more
)
ARRAY_ELEMENTS_TOTAL = 100_000  # 800 KB of float64 in all
ARRAY_MEMBERS_CAP = 64
ARRAY_DIMENSIONS_CAP = 4


def _element_cap(name: str) -> int | None:
    return next((cap for pattern, cap in ARRAY_ELEMENTS if pattern.fullmatch(name)), None)


def _header(stream: Any) -> tuple[tuple[int, ...], np.dtype] | None:
    """The shape and dtype an .npy stream declares, read without its data; None for what the grader
    does not take (another format version, a structured or object dtype, odd shapes)."""
    version = np.lib.format.read_magic(stream)
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        return None
    shape, _, dtype = readers[version](stream)
    plain_number = dtype.kind in "biuf" and dtype.fields is None and dtype.subdtype is None
    if not plain_number or dtype.itemsize > 16 or len(shape) > ARRAY_DIMENSIONS_CAP:
        return None
    return shape, dtype


def read_arrays(data: bytes) -> dict[str, np.ndarray]:
    """Numeric arrays from an .npz the child wrote, as float64: no pickles, no zip bomb, no odd dtypes,
    and only the names and element counts above (checked in each header before any data is read)."""
    arrays: dict[str, np.ndarray] = {}
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > ARRAY_MEMBERS_CAP:
                raise ValueError(f"over {ARRAY_MEMBERS_CAP} arrays")
            for member in members:
                name = member.filename.removesuffix(".npy")
                cap = _element_cap(name)
                if cap is None or name in arrays:
                    continue
                with archive.open(member) as stream:
                    declared = _header(stream)
                if declared is None or math.prod(declared[0]) > min(cap, ARRAY_ELEMENTS_TOTAL - total):
                    continue
                with archive.open(member) as stream:
                    array = np.lib.format.read_array(stream, allow_pickle=False)
                total += array.size
                arrays[name] = array.astype(np.float64)
    except (ValueError, MemoryError):
        raise
    except Exception as exc:  # zlib.error, an encrypted or unknown compression method...
        raise ValueError(f"arrays unreadable: {type(exc).__name__}") from None
    return arrays


# Parsing a child's export takes up to ~50x its bytes (2 MB of `[[],[],…]` JSON: ~100 MB): however
# many steps finish together, the parent parses two at a time.
_PARSING = threading.BoundedSemaphore(2)


def read_result(folder: Path, step: int) -> Outcome | None:
    """What the step's child exported into `folder`, or None when there is nothing valid."""
    with _PARSING:
        try:
            result = json.loads(read_regular(folder / "result.json", contract.RESULT_FILES["result.json"]))
            arrays = read_arrays(read_regular(folder / "arrays.npz", contract.RESULT_FILES["arrays.npz"]))
        except (OSError, ValueError, RecursionError, MemoryError, EOFError):
            return None
        outcome = outcome_from_result(step, result, arrays)
    return None if outcome.status == Status.CRASHED else outcome


def last_line(folder: Path) -> str:
    try:
        text = read_regular(folder / "child.log", contract.LOG_TAIL).decode("utf-8", "replace")
    except OSError:
        return ""
    lines = text.strip().splitlines()
    return printable(lines[-1], 300) if lines else ""


# A frame of faulthandler's dump: `  File "/step/step1_data.py", line 19 in make_data`.
STACK_FRAME = re.compile(r'File "([^"\n]{1,4096})", line (\d{1,7}) in ')
LOOP_LOOKBACK = 200  # lines looked at above a line for the loop around it


def stopped_at(folder: Path, filename: str, source: bytes) -> dict[str, Any]:
    """The loop of the learner's file a step was in when the keeper stopped it (around the innermost
    frame of the dump the runner wrote on its signal): {} when unknown. Not the line itself: where a
    loop is caught differs from run to run, and the same file must get the same feedback."""
    try:
        dump = read_regular(folder / contract.STACK_FILE, contract.STACK_CAP).decode("utf-8", "replace")
    except OSError:
        return {}
    for path, line in STACK_FRAME.findall(dump):  # the most recent call first
        if path.rsplit("/", 1)[-1] == filename:
            return {k: v for k, v in where_in(source, int(line)).items() if k.startswith("loop")}
    return {}


def where_in(source: bytes, line: int) -> dict[str, Any]:
    """A line of the learner's file (its number and code) and the `while` or `for` loop it is in."""
    lines = source.decode("utf-8", "replace").splitlines()
    if not 1 <= line <= len(lines):
        return {}
    return {"line": line, "code": printable(lines[line - 1].strip(), 200), **enclosing_loop(lines, line)}


LOOP_STATEMENT = re.compile(r"\s*(while|for)\b")
SCOPE_STATEMENT = re.compile(r"\s*(def|class|async\s+def)\b")


def enclosing_loop(lines: list[str], line: int) -> dict[str, Any]:
    """The innermost `while` or `for` statement at `line` (1-based; stopped testing its condition)
    or whose body holds it, read from the indentation (no parser: the file is the learner's, and
    this is the trusted process)."""

    def indent(text: str) -> int:
        return len(text) - len(text.lstrip())

    level = indent(lines[line - 1]) + 1  # the line itself may be the loop's
    for number in range(line, max(0, line - LOOP_LOOKBACK), -1):
        text = lines[number - 1]
        if not text.strip() or text.lstrip().startswith("#") or indent(text) >= level:
            continue
        if loop := LOOP_STATEMENT.match(text):
            return {"loop": loop[1], "loop_line": number}
        if SCOPE_STATEMENT.match(text):
            return {}
        level = indent(text)
    return {}


ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
OUTPUT_LINE_CAP = 300  # characters of one printed line
OUTPUT_LINES_CAP = 400


def learner_output(folder: Path) -> tuple[str, bool]:
    """What the step's code printed (the tail of child.log) as a terminal would show it, and whether
    earlier lines were not kept: escape sequences dropped, a line rewritten after a carriage return
    (a progress bar) shown as its last state, other control characters made visible, lines and
    their number capped."""
    try:
        raw = read_regular(folder / "child.log", contract.LOG_TAIL)
    except OSError:
        return "", False
    lines = raw.decode("utf-8", "replace").split("\n")
    clipped = len(raw) >= contract.LOG_TAIL  # the child kept only the log's tail: its first line is cut
    if clipped:
        lines = lines[1:]
    shown = [printable(_as_shown(ESCAPE_SEQUENCE.sub("", line)).rstrip(), OUTPUT_LINE_CAP) for line in lines]
    while shown and not shown[-1]:
        shown.pop()
    while shown and not shown[0]:
        shown.pop(0)
    clipped = clipped or len(shown) > OUTPUT_LINES_CAP
    return "\n".join(shown[-OUTPUT_LINES_CAP:]), clipped


def _as_shown(line: str) -> str:
    """A line as a terminal leaves it: a carriage return goes back to its start and a backspace one
    cell back (how progress bars redraw), later characters overwrite earlier ones."""
    cells: list[str] = []
    cursor = 0
    for char in line:
        if char == "\r":
            cursor = 0
        elif char == "\b":
            cursor = max(cursor - 1, 0)
        else:
            cells[cursor : cursor + 1] = [char]
            cursor += 1
    return "".join(cells)


def step_status(folder: Path) -> dict[str, Any]:
    try:
        status = json.loads(read_regular(folder / "status.json", 4096))
    except (OSError, ValueError):
        return {}
    return status if isinstance(status, dict) else {}
