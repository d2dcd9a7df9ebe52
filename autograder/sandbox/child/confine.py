"""Confine the processes that run learner code. Child side: imported by the fork server (zygote).

One step runs as two processes, both forked from the zygote:

- the *keeper* drops to the child user id (as root), makes new user, mount, PID, network, IPC and UTS
  namespaces, mounts size-capped private folders (`/step`, `/tmp`, `/var/tmp`, `/dev/shm`) and an empty
  one over `/jobs` (every other step's folder), copies the learner's file in, forks the runner, enforces
  the wall time, and finally copies the runner's result out to the grader, reading only regular files,
  without following symlinks, with size caps. The keeper never runs learner code.
- the *runner* is PID 1 of the new PID namespace: when it ends, the kernel kills everything the
  learner started. It gets its own `/proc` (or none), resource limits, no capabilities,
  no_new_privs and a seccomp filter (autograder.sandbox.child.seccomp), then imports the learner's file and exports plain data
  (autograder.sandbox.child.harness).

The zygote itself lives inside bubblewrap (autograder.sandbox.bubblewrap): a read-only file-system view of the
interpreter, its packages and system libraries only, no network. Where the kernel refuses user
namespaces (or off Linux), `isolated=False` keeps only the limits, the session and the environment:
that is what `keras-course check` uses on a learner's own machine without the sandbox.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from autograder.sandbox.child import memory, seccomp, whereabouts
from autograder.sandbox.child.contract import (
    GROUPS,
    INNER_UID,
    JOBS,
    LOG_TAIL,
    PRIVATE_TEMP,
    RESULT_FILES,
    SOURCE_CAP,
    STACK_CAP,
    STACK_FILE,
    STEP,
    address_space,
    environment,
    limit_resources,
)

# Linux constants (sched.h, mount.h, prctl.h)
_CLONE_NEWNS, _CLONE_NEWCGROUP, _CLONE_NEWUTS, _CLONE_NEWIPC = 0x00020000, 0x02000000, 0x04000000, 0x08000000
_CLONE_NEWUSER, _CLONE_NEWPID, _CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 1, 2, 4, 8, 1 << 14, 1 << 18
_MS_BIND = 1 << 12
_PR_SET_DUMPABLE, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT = 4, 24, 38, 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_CAPABILITY_VERSION_3 = 0x20080522
_CAP_SETGID, _CAP_SETUID, _CAP_SYS_ADMIN = 6, 7, 21
_MEMORY_PAUSE = 0.2  # seconds between two sums of a step's memory, where no memory group holds it
HOSTNAME = "sandbox"  # the host name a step sees


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    return libc


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(
        _libc().mount(encode(source), encode(target), encode(kind), flags, encode(data)), f"mount {target}"
    )


# --- the keeper ----------------------------------------------------------------------------------


def _become(uid: int) -> None:
    """Root only: turn into an unprivileged user id with no capability at all."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _new_namespaces(limits: dict[str, Any]) -> None:
    """New user, mount, PID, network, IPC and UTS namespaces; then the private folders, and an empty
    folder over every other step's folder and over the memory groups."""
    libc = _libc()
    outer_uid, outer_gid = os.getuid(), os.getgid()
    libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)  # a uid change cleared it; the maps below need it
    flags = _CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS
    _check(libc.unshare(flags), "unshare")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{INNER_UID} {outer_uid} 1")
    Path("/proc/self/gid_map").write_text(f"{INNER_UID} {outer_gid} 1")
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)  # nobody of the same uid may ptrace or read this keeper
    name = HOSTNAME.encode()
    libc.sethostname(name, len(name))  # not the instructor's; a container's seccomp may refuse it: then as is
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    hidden = _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    for folder in (JOBS, GROUPS):
        if os.path.isdir(folder):
            _mount("tmpfs", folder, "tmpfs", hidden, "size=4k,mode=0555")
    private = _MS_NOSUID | _MS_NODEV
    _mount("tmpfs", STEP, "tmpfs", private, f"size={int(limits['work_bytes'])},mode=0700")
    for folder in PRIVATE_TEMP:
        if os.path.isdir(folder):
            _mount("tmpfs", folder, "tmpfs", private, f"size={int(limits['tmp_bytes'])},mode=1777")


def _copy_out(workdir: str, job: int, name: str, cap: int, tail: bool = False) -> None:
    """Copy workdir/name to the job folder: a regular file only, never through a symlink, at most
    `cap` bytes (the last ones when `tail`); anything else is left behind."""
    try:
        source = os.open(os.path.join(workdir, name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return
    try:
        info = os.fstat(source)
        if not stat.S_ISREG(info.st_mode) or (info.st_size > cap and not tail):
            return
        if tail and info.st_size > cap:
            os.lseek(source, info.st_size - cap, os.SEEK_SET)
        target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=job)
        with os.fdopen(target, "wb") as out:
            left = cap
            while left > 0 and (chunk := os.read(source, min(left, 1 << 20))):
                out.write(chunk)
                left -= len(chunk)
    finally:
        os.close(source)


class _Ended:
    """How the runner ended: its wait status, and whether the keeper stopped it (time, memory)."""

    def __init__(self) -> None:
        self.status, self.timed_out, self.out_of_memory, self.peak = 0, False, False, 0


def _watch(
    pid: int, timeout: float, cap: int, group: memory.Group | None, tick: Any = lambda: None
) -> _Ended:
    """Wait for the runner; kill it (and with it its PID namespace) after `timeout` seconds, or as
    soon as its processes together need more than `cap` bytes: where a memory group holds the cap,
    when the kernel had to kill one of them for it; elsewhere, when the keeper's sum is over it."""
    ended = _Ended()
    pidfd = os.pidfd_open(pid)
    deadline = time.monotonic() + timeout
    dumped, looked = False, 0.0
    try:
        while True:
            if time.monotonic() - looked > whereabouts.PROGRESS_PAUSE:
                tick()
                looked = time.monotonic()
            left = deadline - time.monotonic()
            if left <= 0:
                ended.timed_out = True
                break
            # Look often when near the cap: a fast allocation must not get far past it.
            pause = _MEMORY_PAUSE / 4 if ended.peak > cap // 2 else _MEMORY_PAUSE
            ready, _, _ = select.select([pidfd], [], [], min(left, pause))
            if ready:
                break
            if group is not None:
                ended.out_of_memory = group.oom_kills() > 0
                ended.peak = max(ended.peak, group.usage())  # for the pause (group.peak() at the end)
                near = ended.peak > cap * whereabouts.DUMP_AT
            else:
                ended.peak = max(ended.peak, memory.tree_bytes(pid))
                ended.out_of_memory = ended.peak > cap
                near = ended.peak > cap * whereabouts.DUMP_AT
            if near and not dumped:  # the kernel may kill it at the cap: say where it is now
                dumped = whereabouts.dump_stack(pid, wait=0)
            if ended.out_of_memory:
                break
        if ended.timed_out or ended.out_of_memory:
            if not dumped:
                whereabouts.dump_stack(pid, wait=whereabouts.DUMP_WAIT)
            os.kill(pid, signal.SIGKILL)
        _, ended.status = os.waitpid(pid, 0)
    finally:
        os.close(pidfd)
    if group is not None:
        ended.peak = group.peak()
        ended.out_of_memory = group.oom_kills() > 0
    return ended


def keep(request: dict[str, Any], run_learner_step: Any) -> None:
    """In a process forked from the zygote: run one step confined, write its result to its job
    folder, and never return. `run_learner_step(request, file, workdir)` runs in the confined runner."""
    limits = request["limits"]
    started = time.monotonic()
    mapped = address_space()
    if request.get("uid") is not None and os.geteuid() == 0:
        _become(int(request["uid"]))
    job = os.open(os.path.join(JOBS if limits["isolated"] else request["jobs"], request["job"]), os.O_RDONLY)
    group = memory.Group(os.path.join(GROUPS, request["job"])) if request.get("group") else None
    if limits["isolated"]:
        _new_namespaces(limits)
        workdir = STEP
    else:
        os.mkdir("work", 0o700, dir_fd=job)
        workdir = os.path.join(request["jobs"], request["job"], "work")
    name = request["filename"]
    with open(os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=job), "rb") as source:
        Path(workdir, name).write_bytes(source.read(SOURCE_CAP))
    go, release = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(job)
        os.close(release)
        _run(request, limits, mapped, workdir, run_learner_step, go)
    os.close(go)
    if group is not None:
        group.join(pid)  # before the runner runs anything: every process it starts is in the group
    os.write(release, b"go")
    os.close(release)
    tick = (
        (lambda: whereabouts.copy_progress(workdir, job))
        if request.get("kind", "step") == "step"
        else (lambda: None)
    )
    ended = _watch(pid, float(limits["timeout"]), int(limits["memory_bytes"]), group, tick)
    if not limits["isolated"]:
        _kill_group(pid)
    for result, cap in RESULT_FILES.items():
        _copy_out(workdir, job, result, cap)
    _copy_out(workdir, job, "child.log", LOG_TAIL, tail=True)
    _copy_out(workdir, job, STACK_FILE, STACK_CAP, tail=True)
    report = {
        "exit_code": os.waitstatus_to_exitcode(ended.status),
        "timed_out": ended.timed_out,
        "out_of_memory": ended.out_of_memory,
        "peak_bytes": ended.peak,
        "group": group is not None,
        "seconds": time.monotonic() - started,
    }
    fd = os.open("status.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=job)
    with os.fdopen(fd, "w") as out:
        json.dump(report, out)
    os._exit(0)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


# --- the runner ----------------------------------------------------------------------------------


def _own_proc() -> None:
    """A /proc that shows only this PID namespace; where the kernel refuses it, an empty one."""
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    try:
        _mount("proc", "/proc", "proc", flags)
    except OSError:
        _mount("tmpfs", "/proc", "tmpfs", flags | _MS_RDONLY, "size=4k,mode=0555")


def _keep_capabilities(*keep: int) -> None:
    """Only the capabilities `keep` in the effective and permitted sets; none inheritable, ambient
    or in the bounding set, so no exec can gain one back."""
    libc = _libc()
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    for cap in range(64):
        if cap not in keep:
            libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)  # fails harmlessly past the last capability
    mask = sum(1 << cap for cap in keep)
    header = (ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)(mask, mask, 0, 0, 0, 0)  # effective, permitted, inheritable (x2)
    _check(libc.capset(header, data), "capset")


def _drop_capabilities() -> None:
    """No capability in any set, no_new_privs (nothing the runner execs can gain privileges), and
    a seccomp filter over the system calls it never needs."""
    _keep_capabilities()
    _check(_libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    seccomp.install()


def prepare_zygote_as_root() -> None:
    """In the zygote, as root inside bubblewrap: mount a /proc of its own over bubblewrap's (which
    covers /proc/sys, so the kernel would let no step mount the /proc TensorFlow needs), then keep
    only CAP_SETUID and CAP_SETGID, to hand each step its unprivileged user id."""
    _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    _keep_capabilities(_CAP_SETGID, _CAP_SETUID)


def _run(
    request: dict[str, Any], limits: dict[str, Any], mapped: int, workdir: str, run_step: Any, go: int
) -> None:
    status = 1
    try:
        if os.read(go, 2) != b"go":  # the keeper ended before it put this runner in its memory group
            os._exit(status)
        os.close(go)
        if limits["isolated"]:
            # Its memory group is the root of its cgroups; its /proc, in a mount namespace of its
            # own, leaves the keeper's (which sums the step's memory through it) as it was.
            _check(_libc().unshare(_CLONE_NEWCGROUP | _CLONE_NEWNS), "unshare cgroup, mount")
            _own_proc()
        _first_to_go()
        os.setsid()  # a session of its own: no terminal, and killable as one group
        os.umask(0o077)
        os.chdir(workdir)
        log = os.open("child.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, 1 << 16)
        library = os.environ.get("LD_LIBRARY_PATH")  # a moved interpreter's (bubblewrap.View)
        os.environ.clear()
        os.environ.update(environment(workdir, "/tmp" if limits["isolated"] else None))
        if library:
            os.environ["LD_LIBRARY_PATH"] = library
        # The fork server chose its temp folder before the step's own /tmp existed (tempfile caches
        # it): forget it, so that the learner's tempfile (and model.save's) asks TMPDIR again.
        tempfile.tempdir = None
        whereabouts.stack_on_signal()
        limit_resources(limits, mapped)
        if limits["isolated"]:
            _drop_capabilities()
        run_step(request, Path(workdir, request["filename"]), Path(workdir))
        status = 0
    except seccomp.UnsupportedMachine as exc:  # the log's last line: the probe's reason (launch.probe)
        os.write(2, f"{exc}\n".encode())
        status = 3
    except BaseException:  # noqa: BLE001 - the runner must never fall back into the keeper's code
        status = 3
    finally:
        os._exit(status)


def _first_to_go() -> None:
    """The kernel's first choice when memory runs out (anyone may raise this): every process the
    learner starts inherits it, so the fork server and the grader are never chosen before them. Also
    readable by its keeper again (it inherited the keeper's 'not dumpable'), to sum its memory."""
    try:
        Path("/proc/self/oom_score_adj").write_text("1000")
    except OSError:
        pass
    _libc().prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
