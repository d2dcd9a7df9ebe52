"""seccomp: the system calls a step's runner never needs, refused by a classic-BPF filter that the
runner installs on itself (autograder.sandbox.child.confine) after no_new_privs.

The policy is written once, by name (DENIED): kernel interfaces a learner's code has no business
with (tracing, mounting, namespaces, keys, BPF, kernel modules, io_uring...). Each architecture with
a filter has its own name-to-number table, written here rather than asked of libseccomp, which the
child must not depend on (tests/test_seccomp.py checks every number against libseccomp's resolver);
ABSENT names the denied calls an architecture does not have. On any other architecture the runner
refuses to start (UnsupportedMachine): a step is never run in the sandbox without its filter.
"""

from __future__ import annotations

import ctypes
import os

# The denied system calls by purpose; each one is refused on every architecture that has it.
_DENIED_BY_PURPOSE = {
    "tracing other processes": ("ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd"),
    "performance counters": ("perf_event_open",),
    "mounting": ("mount", "umount2", "pivot_root", "chroot"),
    "the new mount API": ("open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick"),
    "mount attributes": ("mount_setattr",),
    "namespaces": ("unshare", "setns"),
    "the kernel's keyrings": ("add_key", "request_key", "keyctl"),
    "BPF and userfaultfd": ("bpf", "userfaultfd"),
    "io_uring": ("io_uring_setup", "io_uring_enter", "io_uring_register"),
    "kernel modules": ("init_module", "finit_module", "delete_module"),
    "old kernel-module calls": ("create_module", "get_kernel_syms", "query_module"),
    "rebooting, another kernel": ("reboot", "kexec_load", "kexec_file_load"),
    "swap": ("swapon", "swapoff"),
    "accounting, quotas, the kernel log": ("acct", "quotactl", "quotactl_fd", "syslog"),
    "files by handle": ("open_by_handle_at", "name_to_handle_at"),
    "old interfaces": ("uselib", "_sysctl", "nfsservctl", "lookup_dcookie"),
    "I/O ports": ("iopl", "ioperm"),
}
DENIED = tuple(name for names in _DENIED_BY_PURPOSE.values() for name in names)

# Per architecture: its AUDIT_ARCH, every call's number (the kernel's syscall table for it), and the
# denied calls it does not have at all (nothing to refuse there; anything else missing is an error).
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
# Calls added since Linux 5.1 (number 424 on) have one number on every architecture.
_UNIFIED = {
    "pidfd_getfd": 438,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "quotactl_fd": 443,
    "clone3": 435,
}
NUMBERS = {
    "x86_64": _UNIFIED
    | {
        "ptrace": 101,
        "process_vm_readv": 310,
        "process_vm_writev": 311,
        "perf_event_open": 298,
        "mount": 165,
        "umount2": 166,
        "pivot_root": 155,
        "chroot": 161,
        "unshare": 272,
        "setns": 308,
        "add_key": 248,
        "request_key": 249,
        "keyctl": 250,
        "bpf": 321,
        "userfaultfd": 323,
        "init_module": 175,
        "finit_module": 313,
        "delete_module": 176,
        "create_module": 174,
        "get_kernel_syms": 177,
        "query_module": 178,
        "reboot": 169,
        "kexec_load": 246,
        "kexec_file_load": 320,
        "swapon": 167,
        "swapoff": 168,
        "acct": 163,
        "quotactl": 179,
        "syslog": 103,
        "open_by_handle_at": 304,
        "name_to_handle_at": 303,
        "uselib": 134,
        "_sysctl": 156,
        "nfsservctl": 180,
        "lookup_dcookie": 212,
        "iopl": 172,
        "ioperm": 173,
        "clone": 56,
    },
    "aarch64": _UNIFIED
    | {
        "ptrace": 117,
        "process_vm_readv": 270,
        "process_vm_writev": 271,
        "perf_event_open": 241,
        "mount": 40,
        "umount2": 39,
        "pivot_root": 41,
        "chroot": 51,
        "unshare": 97,
        "setns": 268,
        "add_key": 217,
        "request_key": 218,
        "keyctl": 219,
        "bpf": 280,
        "userfaultfd": 282,
        "init_module": 105,
        "finit_module": 273,
        "delete_module": 106,
        "reboot": 142,
        "kexec_load": 104,
        "kexec_file_load": 294,
        "swapon": 224,
        "swapoff": 225,
        "acct": 89,
        "quotactl": 60,
        "syslog": 116,
        "open_by_handle_at": 265,
        "name_to_handle_at": 264,
        "nfsservctl": 42,
        "lookup_dcookie": 18,
        "clone": 220,
    },
}
ABSENT = {
    "x86_64": frozenset(),
    "aarch64": frozenset(
        {"create_module", "get_kernel_syms", "query_module", "uselib", "_sysctl", "iopl", "ioperm"}
    ),
}
_CLONE_NEWUSER = 0x10000000
_BPF_LD_W_ABS, _BPF_JEQ, _BPF_JGE, _BPF_JSET, _BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_EPERM, _ENOSYS = 1, 38


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


class UnsupportedMachine(OSError):
    """No filter for this machine's architecture: the step is not confined, so it does not run."""


def refusal(machine: str) -> str:
    """Why a step cannot be confined on `machine`: one line, Korean then English, for the probe
    (autograder.sandbox.launch) that shows the last line the runner wrote."""
    known = ", ".join(NUMBERS)
    return (
        f"seccomp: 이 컴퓨터의 아키텍처({machine})에 맞는 시스템 호출 필터가 없어 학습자 코드를 격리할 수 "
        f"없습니다 (필터가 있는 아키텍처: {known}) / no system-call filter for this machine's "
        f"architecture ({machine}), so learner code cannot be confined (filters exist for {known})"
    )


def denied_numbers(machine: str) -> tuple[int, ...]:
    """The numbers of the DENIED calls on `machine` (those it has); UnsupportedMachine elsewhere."""
    if machine not in NUMBERS:
        raise UnsupportedMachine(refusal(machine))
    numbers, absent = NUMBERS[machine], ABSENT[machine]
    unknown = [name for name in DENIED if name not in numbers and name not in absent]
    if unknown:  # a name added to DENIED without its number: never silently left out
        raise LookupError(f"seccomp: no {machine} number for {', '.join(unknown)}")
    return tuple(numbers[name] for name in DENIED if name not in absent)


def seccomp_program(machine: str) -> list[tuple[int, int, int, int]]:
    """A classic-BPF filter that fails the denied calls with EPERM (clone3 with ENOSYS, so the C
    library falls back to clone; clone itself only with CLONE_NEWUSER); UnsupportedMachine on an
    architecture without a table."""
    denied = denied_numbers(machine)
    arch, clone, clone3 = _AUDIT_ARCH[machine], NUMBERS[machine]["clone"], NUMBERS[machine]["clone3"]
    # Each entry: (code, jump-if-true label or 0, jump-if-false label or 0, k); labels resolved below.
    body: list[tuple[int, object, object, int]] = [
        (_BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_BPF_JEQ, 0, "deny", arch),  # another ABI (i386 on x86_64): refused whole
        (_BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (_BPF_JGE, "deny", 0, 0x40000000),  # the x32 ABI
        *((_BPF_JEQ, "deny", 0, number) for number in denied),
        (_BPF_JEQ, "enosys", 0, clone3),
        (_BPF_JEQ, 0, "allow", clone),
        (_BPF_LD_W_ABS, 0, 0, 16),  # clone's flags (low word of args[0])
        (_BPF_JSET, "deny", "allow", _CLONE_NEWUSER),
    ]
    ends = {"allow": _RET_ALLOW, "deny": _RET_ERRNO | _EPERM, "enosys": _RET_ERRNO | _ENOSYS}
    where = {label: len(body) + i for i, label in enumerate(ends)}
    program = []
    for index, (code, true, false, k) in enumerate(body):
        jump = [where[t] - index - 1 if isinstance(t, str) else 0 for t in (true, false)]
        program.append((code, jump[0], jump[1], k))
    return program + [(_BPF_RET, 0, 0, value) for value in ends.values()]


def install() -> None:
    """Install the filter (after no_new_privs, which lets an unprivileged process do it);
    UnsupportedMachine where this architecture has none."""
    program = seccomp_program(os.uname().machine)
    filters = (_SockFilter * len(program))(*(_SockFilter(*row) for row in program))
    prog = _SockFprog(len(program), filters)
    if (
        ctypes.CDLL(None, use_errno=True).prctl(22, 2, ctypes.byref(prog), 0, 0) != 0
    ):  # PR_SET_SECCOMP, FILTER
        errno = ctypes.get_errno()
        raise OSError(errno, f"seccomp: {os.strerror(errno)}")
