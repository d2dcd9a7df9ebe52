"""How much memory one step's processes hold together, read by its keeper. Child side (the keeper never
runs learner code).

With a memory group (a cgroup the grader made for the step, bound at contract.GROUPS) the kernel holds
the cap; the keeper only moves the runner in and reads the peak and the OOM kills at the end. Without
one, the keeper sums the private memory (what a process does not share with the fork server: its own
writes, the libraries only it loaded, its swap) of every process under the runner, a few times a
second; a process that made itself unreadable (not dumpable) counts with its whole resident size.
"""

from __future__ import annotations

import contextlib
import os

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
PRIVATE_FIELDS = (b"Private_Clean:", b"Private_Dirty:", b"Swap:")


def _read(path: str, limit: int = 1 << 16) -> bytes:
    with open(path, "rb", buffering=0) as handle:
        return handle.read(limit)


def descendants(root: int) -> list[int]:
    """`root` and every process under it (orphans of a PID namespace go to its PID 1, the runner)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = _read(f"/proc/{entry.name}/stat", 4096)
            parent = int(stat[stat.rindex(b")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # it ended meanwhile
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def private_bytes(pid: int) -> int:
    """Memory `pid` holds on its own (0 once it has ended)."""
    try:
        rollup = _read(f"/proc/{pid}/smaps_rollup")
    except PermissionError:  # not dumpable: count all it has resident
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int(_read(f"/proc/{pid}/statm").split()[1]) * PAGE
        return 0
    except OSError:
        return 0
    total = 0
    for line in rollup.splitlines():
        if line.startswith(PRIVATE_FIELDS):
            total += int(line.split()[1]) * 1024
    return total


def tree_bytes(root: int) -> int:
    """The private memory of `root` and every process under it."""
    return sum(private_bytes(pid) for pid in descendants(root))


class Group:
    """The step's memory group (cgroup v1), seen from inside the sandbox through an open folder (the
    keeper hides the groups' folder from the runner once it holds this)."""

    def __init__(self, folder: str) -> None:
        self.fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)

    def _file(self, name: str, flags: int = os.O_RDONLY) -> int:
        return os.open(name, flags | os.O_NOFOLLOW, dir_fd=self.fd)

    def join(self, pid: int) -> None:
        """Move `pid` (the runner, before it runs anything) into the group."""
        fd = self._file("cgroup.procs", os.O_WRONLY)
        try:
            os.write(fd, str(pid).encode())
        finally:
            os.close(fd)

    def _text(self, name: str) -> str:
        fd = self._file(name)
        try:
            return os.read(fd, 4096).decode()
        finally:
            os.close(fd)

    def usage(self) -> int:
        with contextlib.suppress(OSError, ValueError):
            return int(self._text("memory.usage_in_bytes"))
        return 0

    def peak(self) -> int:
        with contextlib.suppress(OSError, ValueError):
            return int(self._text("memory.max_usage_in_bytes"))
        return 0

    def oom_kills(self) -> int:
        """Processes the kernel killed for the group's cap."""
        with contextlib.suppress(OSError, ValueError):
            for line in self._text("memory.oom_control").splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        return 0
