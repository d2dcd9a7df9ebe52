"""seccomp: the system calls a step's runner never needs, refused by a classic-BPF filter that the
runner installs on itself (autograder.sandbox.child.confine) after no_new_privs.

Per architecture: (AUDIT_ARCH, denied system calls, clone, clone3). Kernel interfaces a learner's
code has no business with: tracing, mounting, namespaces, keys, BPF, kernel modules, io_uring.
"""

from __future__ import annotations

import ctypes
import os

_CLONE_NEWUSER = 0x10000000
_SYSCALLS = {
    "x86_64": (
        0xC000003E,
        (
            101,
            165,
            166,
            155,
            167,
            168,
            169,
            246,
            320,
            175,
            313,
            176,
            163,
            248,
            249,
            250,
            272,
            308,
            298,
            321,
            323,
            310,
            311,
            304,
            303,
            425,
            426,
            427,
            161,
            179,
            103,
        ),
        56,
        435,
    ),
    "aarch64": (
        0xC00000B7,
        (
            117,
            40,
            39,
            41,
            224,
            225,
            142,
            104,
            294,
            105,
            273,
            106,
            89,
            217,
            218,
            219,
            97,
            268,
            241,
            280,
            282,
            270,
            271,
            265,
            264,
            425,
            426,
            427,
            51,
            60,
            116,
        ),
        220,
        435,
    ),
}
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


def seccomp_program(machine: str) -> list[tuple[int, int, int, int]] | None:
    """A classic-BPF filter that fails the denied calls with EPERM (clone3 with ENOSYS, so the C
    library falls back to clone; clone itself only with CLONE_NEWUSER), or None on other machines."""
    if machine not in _SYSCALLS:
        return None
    arch, denied, clone, clone3 = _SYSCALLS[machine]
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
    """Install the filter (after no_new_privs, which lets an unprivileged process do it)."""
    program = seccomp_program(os.uname().machine)
    if program is None:
        return
    filters = (_SockFilter * len(program))(*(_SockFilter(*row) for row in program))
    prog = _SockFprog(len(program), filters)
    if (
        ctypes.CDLL(None, use_errno=True).prctl(22, 2, ctypes.byref(prog), 0, 0) != 0
    ):  # PR_SET_SECCOMP, FILTER
        errno = ctypes.get_errno()
        raise OSError(errno, f"seccomp: {os.strerror(errno)}")
