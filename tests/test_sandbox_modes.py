"""Where instructors really run the grader: as root without CAP_SYS_ADMIN (a container's or a
Kubernetes pod's default), and where the kernel refuses user namespaces.

The availability probe runs the exact command each mode will run (autograder.sandbox.launch):
as root without CAP_SYS_ADMIN, bubblewrap runs as the children's own user id ("dropped"); where no
mode can confine a step, `check` and `grade` refuse in the run's language, exit 2, no traceback.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from autograder.sandbox.launch import unavailable_reason

from answers import write_submission
from conftest import ROOT
from test_attacks import _ordinary_user, _python_for

pytestmark = [
    pytest.mark.xdist_group("modes"),
    pytest.mark.skipif(
        sys.platform != "linux" or unavailable_reason() is not None, reason="needs the sandbox"
    ),
]

# A step-1 answer that returns the right data only when the step runs as the children's own user id
# (not root, outside its namespace), under the sandbox's host name, with none of the instructor's
# paths as mount points.
WHERE_AM_I = textwrap.dedent(
    """
    import os
    import socket

    import numpy as np


    def make_data():
        outer_uid = int(open("/proc/self/uid_map").read().split()[1])
        mounts = [line.split()[4] for line in open("/proc/self/mountinfo")]
        seen = [m for m in mounts if m.startswith(("/work", "/root", "/home", "/opt", "/tmp/k"))]
        if outer_uid == 0 or socket.gethostname() != "sandbox" or seen:
            raise RuntimeError(f"BREACH: uid {outer_uid}, host {socket.gethostname()}, mounts {seen}")
        return np.arange(1, 11), np.arange(1, 11)
    """
)


@pytest.fixture(scope="module")
def world_readable_venv() -> Path:
    """A venv any user id may read (Debian's Python and what `check --step 1` needs), as a container's
    /opt install is: as root without CAP_SYS_ADMIN, bubblewrap runs as the children's user id."""
    if os.geteuid() != 0 or not Path("/usr/bin/python3").exists() or shutil.which("capsh") is None:
        pytest.skip("needs root, Debian's /usr/bin/python3 and capsh")
    home = Path(tempfile.mkdtemp(prefix="kc-venv-"))
    home.chmod(0o755)
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(home / "venv")], check=True)
    uv = Path(sys.executable).parent / "uv"
    installer = [str(uv), "pip", "install", "-q", "--python", str(home / "venv/bin/python")]
    subprocess.run([*installer, "numpy", "rich", "pytest"], check=True, timeout=600)
    yield home / "venv" / "bin" / "python"
    shutil.rmtree(home, ignore_errors=True)


def _without_cap_sys_admin(python: Path, *args: str) -> subprocess.CompletedProcess:
    code = shlex.join([str(python), *args])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        ["capsh", "--drop=cap_sys_admin", "--", "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )


def test_root_without_cap_sys_admin_checks_in_the_sandbox_as_the_childrens_uid(world_readable_venv, tmp_path):
    probe = "from autograder.sandbox.launch import sandbox_mode; print(sandbox_mode())"
    mode = _without_cap_sys_admin(world_readable_venv, "-c", probe)
    assert mode.stdout.strip() == "dropped", mode.stderr[-2000:]
    folder = write_submission(tmp_path / "me", {1: WHERE_AM_I})
    done = _without_cap_sys_admin(
        world_readable_venv, "-m", "autograder.cli", "check", str(folder), "--step", "1", "--json"
    )
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
    step = json.loads(done.stdout)["steps"][0]
    assert step["passed"] and step["score"] == step["max"] > 0


def test_the_where_am_i_oracle_finds_root_outside_the_sandbox(tmp_path):
    """Control: the same answer with --no-sandbox, as root, is told it is root and not in the sandbox."""
    if os.geteuid() != 0:
        pytest.skip("the control runs as root")
    folder = write_submission(tmp_path / "me", {1: WHERE_AM_I})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "check",
            str(folder),
            "--step",
            "1",
            "--json",
            "--no-sandbox",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 1 and "BREACH" in done.stdout


# Runs a command in a new user namespace that maps the ids 0..65535 to themselves (as root may) and
# allows no user namespace inside: what a kernel without unprivileged user namespaces does.
NO_USER_NAMESPACES = textwrap.dedent(
    """
    import ctypes, os, sys
    ready, go = os.pipe(), os.pipe()
    pid = os.fork()
    if pid == 0:
        if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:
            os._exit(99)
        os.write(ready[1], b"x")
        os.read(go[0], 1)
        with open("/proc/sys/user/max_user_namespaces", "w") as limit:
            limit.write("0")
        os.execvp(sys.argv[1], sys.argv[1:])
    os.read(ready[0], 1)
    for name in ("uid_map", "gid_map"):
        with open(f"/proc/{pid}/{name}", "w") as mapping:
            mapping.write("0 0 65536")
    os.write(go[1], b"x")
    sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    """
)


@pytest.fixture(scope="module")
def no_user_namespaces_class() -> Path:
    """A class of one, in a folder the ordinary user may read and write too."""
    base = Path(tempfile.mkdtemp(prefix="kc-modes-"))
    base.chmod(0o777)
    write_submission(base / "class" / "minji", {1: WHERE_AM_I})
    for path in (base / "class", *(base / "class").rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("identity", ["root", "user"])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_where_the_kernel_refuses_user_namespaces_check_and_grade_refuse(
    no_user_namespaces_class, identity, lang
):
    if os.geteuid() != 0:
        pytest.skip("making the namespace without user namespaces needs root")
    prefix = [sys.executable, "-c", NO_USER_NAMESPACES]
    python = [sys.executable]
    if identity == "user":
        user = _ordinary_user()
        python = _python_for(user)
        prefix += ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups"]
    klass, out = no_user_namespaces_class / "class", no_user_namespaces_class / f"out-{identity}-{lang}"
    commands = {
        "check": ["-m", "autograder.cli", "check", str(klass / "minji"), "--step", "1", "--lang", lang],
        "grade": [
            "-m",
            "autograder.cli",
            "grade",
            str(klass),
            "--out",
            str(out),
            "--lang",
            lang,
        ],
    }
    words = {
        "check": {"ko": "검사하지 않았습니다", "en": "not checked"},
        "grade": {"ko": "채점하지 않습니다", "en": "not grading"},
    }
    for name, command in commands.items():
        done = subprocess.run(
            [*prefix, *python, *command], capture_output=True, text=True, cwd=ROOT, timeout=300
        )
        assert done.returncode == 2, (name, done.stdout[-2000:], done.stderr[-2000:])
        assert words[name][lang] in done.stderr and "Traceback" not in done.stderr, (
            name,
            done.stderr[-2000:],
        )
    assert not (out / "grades.json").exists()
