"""A command in a pseudo-terminal, as a learner runs it (tests/test_watch.py, benchmarks/bench.py)."""

from __future__ import annotations

import os
import re
import signal
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COLUMNS = 200
ROWS = 60
STOP_SECONDS = 30


class Terminal:
    """A command in a pseudo-terminal, as a learner runs it; what it printed, without colours."""

    def __init__(
        self, *args: str, tmp: Path | None = None, preexec_fn: Callable[[], None] | None = None
    ) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KERAS_COURSE_")}
        # The terminal's own size, as a learner's: pytest-xdist's workers export COLUMNS=80 and LINES=24,
        # which rich would prefer to the pty's size.
        env |= {"COLUMNS": str(COLUMNS), "LINES": str(ROWS), "PYTHONFAULTHANDLER": "1"}
        if tmp is not None:  # its temporary folders (the fork servers' own, say) go there
            env["TMPDIR"] = str(tmp)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "autograder.cli", *args],
            cwd=str(ROOT),
            env=env,
            encoding="utf-8",
            dimensions=(ROWS, COLUMNS),
            preexec_fn=preexec_fn,  # run in the child before the command: the state it inherits
        )
        self.raw, self.mark = "", 0

    @property
    def screen(self) -> str:
        """What was printed since the last save."""
        return ANSI.sub("", self.raw[self.mark :]).replace("\r\n", "\n")

    def wait_for(self, *wanted: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while not all(w in self.screen for w in wanted):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {wanted} after {timeout} s; the screen:\n{self.screen}")
            try:
                self.raw += self.child.read_nonblocking(1 << 16, timeout=0.2)
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                raise AssertionError(f"watch ended; the screen:\n{self.screen}") from None
        return self.screen

    def save(self, path: Path, text: str | None, by_rename: bool = False) -> None:
        """Save `path` as an editor does (None deletes it); what follows is a new screen."""
        self.mark = len(self.raw)
        if text is None:
            path.unlink()
        elif by_rename:  # vim, JetBrains, many "atomic save" settings: a new file renamed over the old
            path.with_suffix(".swp").write_text(text, encoding="utf-8")
            os.replace(path.with_suffix(".swp"), path)
        else:
            path.write_text(text, encoding="utf-8")

    def stop(self) -> str:
        """Ctrl+C, as a learner stops it: returns everything printed after it."""
        self.mark = len(self.raw)
        self.child.sendintr()
        try:
            self.child.expect(pexpect.EOF, timeout=STOP_SECONDS)
        except pexpect.TIMEOUT:  # say what it was doing: Python's fault handler prints every thread
            self.raw += self.child.before
            state = signal_state(self.child.pid, self.child.child_fd)
            self.child.kill(signal.SIGABRT)
            self.child.expect(pexpect.EOF, timeout=STOP_SECONDS)
            raise AssertionError(
                f"still running {STOP_SECONDS} s after Ctrl+C ({state}):\n{self.child.before}"
            ) from None
        self.raw += self.child.before  # until the end
        self.child.close()
        return self.screen


def signal_state(pid: int, terminal: int) -> str:
    """Why a Ctrl+C may have had no effect on `pid`: each thread's blocked, ignored, caught and pending
    signals (hex masks, from /proc), and whether it is still the terminal's foreground process group."""
    threads = []
    for task in sorted(Path(f"/proc/{pid}/task").iterdir()):
        fields = dict(
            line.split(":\t", 1) for line in (task / "status").read_text().splitlines() if ":\t" in line
        )
        masks = " ".join(
            f"{k}={fields[k].strip()}" for k in ("SigBlk", "SigIgn", "SigCgt", "SigPnd", "ShdPnd")
        )
        threads.append(f"{task.name}: {masks}")
    foreground = os.tcgetpgrp(terminal) == os.getpgid(pid)
    isig = bool(termios.tcgetattr(terminal)[3] & termios.ISIG)
    return f"foreground: {foreground}, ISIG: {isig}; " + "; ".join(threads)
