"""The runner's seccomp filter (autograder.sandbox.child.seccomp): the deny-list is written by name,
every name's number per architecture is libseccomp's, the policy is no weaker than the numbers it
was first written with, the real filter refuses every denied call, and an architecture without a
table is refused, up to the sandbox's availability probe.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from autograder.sandbox.child import seccomp

from conftest import ROOT

RESOLVER = shutil.which("scmp_sys_resolver")  # Debian's seccomp package (make system-deps)

# The filter's numbers before it was written by name (autograder/sandbox/child/seccomp.py at 06ddb3e):
# the policy may grow, never lose one of these.
BEFORE = {
    "x86_64": {
        "denied": {101, 165, 166, 155, 167, 168, 169, 246, 320, 175, 313, 176, 163, 248, 249, 250, 272}
        | {308, 298, 321, 323, 310, 311, 304, 303, 425, 426, 427, 161, 179, 103},
        "clone": 56,
        "clone3": 435,
    },
    "aarch64": {
        "denied": {117, 40, 39, 41, 224, 225, 142, 104, 294, 105, 273, 106, 89, 217, 218, 219, 97, 268}
        | {241, 280, 282, 270, 271, 265, 264, 425, 426, 427, 51, 60, 116},
        "clone": 220,
        "clone3": 435,
    },
}


def resolve(arch: str, name: str) -> int:
    """libseccomp's number for `name` on `arch`: negative where that architecture has no such call."""
    done = subprocess.run([RESOLVER, "-a", arch, name], capture_output=True, text=True, check=True)
    return int(done.stdout)


def disagreements(arch: str, numbers: dict[str, int]) -> list[str]:
    """Where the table `numbers` for `arch` (and its ABSENT names) differ from libseccomp."""
    wrong = [f"{n}={v} (libseccomp {resolve(arch, n)})" for n, v in numbers.items() if resolve(arch, n) != v]
    return wrong + [f"{n} exists" for n in seccomp.ABSENT[arch] if resolve(arch, n) >= 0]


@pytest.mark.skipif(
    RESOLVER is None, reason="libseccomp's scmp_sys_resolver is not installed (make system-deps)"
)
@pytest.mark.parametrize("arch", sorted(seccomp.NUMBERS))
def test_every_number_is_libseccomps(arch: str) -> None:
    assert disagreements(arch, seccomp.NUMBERS[arch]) == []
    other = next(a for a in seccomp.NUMBERS if a != arch)  # the check itself: another table is wrong
    assert disagreements(arch, {n: seccomp.NUMBERS[other][n] for n in ("ptrace", "mount", "clone")})


@pytest.mark.parametrize("arch", sorted(seccomp.NUMBERS))
def test_every_denied_name_has_a_number_or_is_absent_never_both(arch: str) -> None:
    numbers, absent = seccomp.NUMBERS[arch], seccomp.ABSENT[arch]
    assert [n for n in seccomp.DENIED if (n in numbers) == (n in absent)] == []
    assert set(numbers) - set(seccomp.DENIED) == {"clone", "clone3"}
    assert len(set(seccomp.DENIED)) == len(seccomp.DENIED)


def test_a_denied_name_without_a_number_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    assert seccomp.denied_numbers("x86_64")
    monkeypatch.setattr(seccomp, "DENIED", (*seccomp.DENIED, "uretprobe"))
    with pytest.raises(LookupError, match="no x86_64 number for uretprobe"):
        seccomp.denied_numbers("x86_64")


@pytest.mark.parametrize("arch", sorted(BEFORE))
def test_the_policy_is_no_weaker_than_before(arch: str) -> None:
    before, now = BEFORE[arch], set(seccomp.denied_numbers(arch))
    assert now >= before["denied"], sorted(before["denied"] - now)
    assert (seccomp.NUMBERS[arch]["clone"], seccomp.NUMBERS[arch]["clone3"]) == (
        before["clone"],
        before["clone3"],
    )
    other = next(a for a in BEFORE if a != arch)  # the check itself: the other list is not contained
    assert not now >= BEFORE[other]["denied"]


def test_an_architecture_without_a_table_is_refused_in_both_languages() -> None:
    for arch in seccomp.NUMBERS:
        program = seccomp.seccomp_program(arch)
        assert len(program) == 11 + len(seccomp.denied_numbers(arch))  # 8 fixed rows, 3 returns
    with pytest.raises(seccomp.UnsupportedMachine) as refused:
        seccomp.seccomp_program("riscv64")
    message = str(refused.value)
    assert "riscv64" in message and "아키텍처" in message and "architecture" in message
    assert "\n" not in message and len(message) < 300  # the probe shows one line of at most 300


# In a fresh process: no_new_privs, the real filter, then every denied number; prints what happened.
FILTERED = textwrap.dedent(
    """
    import ctypes, json, os
    from autograder.sandbox.child import seccomp
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    def call(number, *args):
        ctypes.set_errno(0)
        result = libc.syscall(number, *args)
        if result == 0 and number == seccomp.NUMBERS[machine]["clone"]:
            os._exit(0)  # a child the filter should have refused
        return result, ctypes.get_errno()
    machine = os.uname().machine
    assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
    try:
        seccomp.install()
    except seccomp.UnsupportedMachine as exc:
        print(json.dumps({"refused": str(exc)}))
        raise SystemExit
    numbers = seccomp.NUMBERS[machine]
    print(json.dumps({
        "denied": {n: call(numbers[n], -1, -1, -1, -1, -1, -1) for n in seccomp.DENIED if n in numbers},
        "clone3": call(numbers["clone3"], 0, 0),
        "clone_newuser": call(numbers["clone"], 0x10000000 | 17, 0, 0, 0, 0),
        "fork": os.waitpid(pid, 0)[1] if (pid := os.fork()) else os._exit(0),
        "getppid": libc.getppid() == os.getppid(),
    }))
    """
)


def run_filtered(*prefix: str) -> dict:
    done = subprocess.run(
        [*prefix, sys.executable, "-c", FILTERED],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(os.uname().machine not in seccomp.NUMBERS, reason="no filter for this architecture")
def test_the_real_filter_refuses_every_denied_call_and_allows_the_rest() -> None:
    seen = run_filtered()
    eperm, enosys = 1, 38
    assert {name: got for name, got in seen["denied"].items() if got != [-1, eperm]} == {}
    assert (seen["clone3"], seen["clone_newuser"]) == ([-1, enosys], [-1, eperm])
    assert seen["fork"] == 0 and seen["getppid"]  # the filter allows what it does not name


@pytest.mark.skipif(shutil.which("setarch") is None, reason="needs util-linux's setarch")
def test_a_32_bit_personality_is_refused_by_the_runner_and_by_the_probe() -> None:
    try:
        seen = run_filtered("setarch", "linux32")
    except AssertionError as exc:  # a kernel without 32-bit personalities
        pytest.skip(f"setarch linux32 fails here: {exc}")
    machine = subprocess.run(["setarch", "linux32", "uname", "-m"], capture_output=True, text=True).stdout
    assert seen == {"refused": seccomp.refusal(machine.strip())}
    from autograder.sandbox.launch import unavailable_reason

    if unavailable_reason() is not None:
        pytest.skip("the sandbox itself is unavailable here")
    probe = "from autograder.sandbox.launch import unavailable_reason; print(unavailable_reason())"
    said = [
        subprocess.run(
            [*prefix, sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        ).stdout.strip()
        for prefix in ([], ["setarch", "linux32"])
    ]
    assert said[0] == "None"  # the same probe, natively: the sandbox is available
    assert seccomp.refusal(machine.strip()) in said[1]
