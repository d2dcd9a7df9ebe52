"""Memory groups: one cgroup per step, so that a step's processes together stay under its memory cap.

Made by the trusted side where the machine lets it (cgroup v1's memory controller, writable: root on
these machines), one folder per fork server under the grader's own cgroup, one sub-folder per step.
The folder is bound into the sandbox (contract.GROUPS); a step's keeper moves its runner into the
step's group before any learner code runs (autograder.sandbox.child.confine) and reads its peak and
its OOM kills at the end. The kernel then holds the cap: when the group is full it kills one of the
group's processes (a learner's first: they have the highest oom_score_adj), never the fork server or
the grader, which live outside it.

Where no group can be made (an ordinary user, a container whose cgroups are read-only, a cgroup v2
host: a v2 group needs a delegated subtree with no process of its own), the keeper sums the private
memory of the step's processes itself, a few times a second, and ends the step over the cap.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from pathlib import Path

_numbers = itertools.count()


def _v1_memory_folder() -> Path | None:
    """This process's cgroup in the v1 memory hierarchy, as a folder, when it is mounted."""
    try:
        own = next(
            line.split(":", 2)[2]
            for line in Path("/proc/self/cgroup").read_text().splitlines()
            if "memory" in line.split(":", 2)[1].split(",")
        )
        mount = next(
            fields[4]
            for fields in (line.split() for line in Path("/proc/self/mountinfo").read_text().splitlines())
            if fields[fields.index("-") + 1] == "cgroup"
            and "memory" in fields[-1].split(",")
            and fields[3] == "/"
        )
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    folder = Path(mount, own.lstrip("/"))
    return folder if (folder / "memory.limit_in_bytes").is_file() else None


class StepGroups:
    """The memory groups of one fork server's steps (cgroup v1)."""

    version = 1

    def __init__(self, folder: Path, owner: int | None) -> None:
        self.folder, self._owner = folder, owner

    @classmethod
    def create(cls, owner: int | None) -> StepGroups | None:
        """A new folder of groups under this process's own memory cgroup, or None where the machine
        does not let this process make one. `owner`: the user id the keepers run as (root mode)."""
        if os.environ.get("KERAS_COURSE_MEMORY_GROUPS") == "off":  # the documented way to opt out
            return None
        parent = _v1_memory_folder()
        if parent is None:
            return None
        folder = parent / f"keras-course-{os.getpid()}-{next(_numbers)}"
        try:
            folder.mkdir()
        except OSError:
            return None
        groups = cls(folder, owner)
        try:  # the keepers read their groups through this folder, bound into the sandbox
            os.chmod(folder, 0o755)
        except OSError:
            groups.close()
            return None
        return groups

    def prepare(self, job: str, memory_bytes: int) -> None:
        """Make the group of one step, capped at `memory_bytes` of memory (and no more with swap)."""
        group = self.folder / job
        group.mkdir()
        (group / "memory.limit_in_bytes").write_text(str(memory_bytes))
        with contextlib.suppress(OSError):  # present only where swap is accounted
            (group / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
        with contextlib.suppress(OSError):
            (group / "memory.swappiness").write_text("0")
        if self._owner is not None:  # the keeper, as the step's user id, moves its runner in
            for name in ("cgroup.procs", "tasks"):
                os.chown(group / name, self._owner, self._owner)

    def remove(self, job: str) -> None:
        """Remove a step's group once its processes have ended (a zombie's exit frees it soon after)."""
        group = self.folder / job
        for _ in range(50):
            try:
                group.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)

    def close(self) -> None:
        for group in sorted(p for p in self.folder.glob("*") if p.is_dir()):
            self.remove(group.name)
        with contextlib.suppress(OSError):  # a group still busy stays, empty, until its last charge goes
            self.folder.rmdir()
