"""The peak memory of a process the tests start: `python tests/peak.py RECORD -m MODULE ARGS...` runs
MODULE as `python -m` would and writes this process's high-water mark of resident memory (VmHWM, in
bytes) to RECORD when it exits; it writes its pid there first, so `watch` can follow it from outside
(the GIL does not stop that: `ast.parse` holds it while it eats gigabytes) and end it at a ceiling, the
machine being shared."""

from __future__ import annotations

import atexit
import os
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path


def high_water_mark(pid: int | str = "self") -> int | None:
    """VmHWM of process `pid` in bytes (None once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def watch(process: subprocess.Popen, record: Path, ceiling: int, timeout: float) -> tuple[int, int]:
    """Wait for `process` (which runs this module, or starts it under runuser) while following the
    peak of the process named in `record`; end the whole process group past `ceiling` bytes or
    `timeout` seconds. Returns (exit status, peak bytes)."""
    started, peak, pid = time.monotonic(), 0, None
    while process.poll() is None:
        if pid is None:
            text = record.read_text().strip() if record.exists() else ""
            pid = int(text.split()[1]) if text.startswith("pid ") else None
        peak = max(peak, (pid and high_water_mark(pid)) or 0)
        if peak > ceiling or time.monotonic() - started > timeout:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return -signal.SIGKILL, peak
        time.sleep(0.02)
    text = record.read_text().strip() if record.exists() else ""
    final = int(text.split()[1]) if text.startswith("peak ") else 0
    return process.returncode, max(peak, final)


def main() -> None:
    record, flag, module, *args = sys.argv[1:]
    assert flag == "-m"
    Path(record).write_text(f"pid {os.getpid()}\n")
    atexit.register(lambda: Path(record).write_text(f"peak {high_water_mark()}\n"))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
