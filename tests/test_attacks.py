"""A hostile class through the real `keras-course grade`, as root and as an ordinary user.

Each attacker is one student whose five step files are the reference answers except one: the attack.
Most attacks are in step 1 and built as an oracle: `make_data` returns the right arrays only when
every breach it tries fails, and raises "BREACH: ..." otherwise. So the attacked step keeps its 4
points exactly when the sandbox held, and a test that cannot fail is impossible: the control run
(`--no-sandbox`, harmless attacks only) proves each oracle detects its breach when nothing stops it.

The other attacks (forged exports, killing the grader, daemons, leftovers, hostile files for the
parent) are judged by their effect: the attacked step scores only what its honest work earns,
every other step and student keeps their points, nothing leaks into OUT, nothing is left behind.
"""

from __future__ import annotations

import atexit
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from autograder.checks.registry import all_checks
from autograder.core.steps import STEPS
from autograder.sandbox.launch import unavailable_reason

from answers import NPZ_BOMBS, Answer, write_submission
from conftest import ROOT
from peak import watch

pytestmark = [
    pytest.mark.xdist_group("attacks"),
    pytest.mark.skipif(
        sys.platform != "linux" or unavailable_reason() is not None, reason="needs the sandbox"
    ),
]

MAX = {step.number: sum(c.points for c in all_checks() if c.step == step.number) for step in STEPS}
SOLUTIONS = {step.number: (ROOT / "solutions" / step.filename).read_text() for step in STEPS}
CANARY = "kc-canary-7f3a9e"  # planted in every secret; must never reach OUT
USER = "kc-grader"  # the ordinary user the test makes
PARENT_MEMORY = 1 << 30  # the grading process's own peak, whatever the class holds (~0.1 GB honest)
PEAK_CEILING = 3 << 30  # past this the grading run is stopped: the machine is shared


def oracle(breaches: str, imports: str = "") -> Answer:
    """A step-1 answer that returns the right data only when the code in `breaches` (which appends
    what it managed to `found`) finds nothing."""
    body = textwrap.dedent(
        """
        import numpy as np
        found = []
        {breaches}
        if found:
            raise RuntimeError("BREACH: " + "; ".join(map(str, found)))
        return np.arange(1, 11), np.arange(1, 11)
        """
    ).format(breaches=textwrap.indent(textwrap.dedent(breaches), ""))
    return Answer(1, {"make_data": body}, imports)


def reads(*paths: str) -> str:
    return "\n".join(
        f"try:\n    found.append(({p!r}, open({p!r}, 'rb').read(200)))\nexcept Exception:\n    pass"
        for p in paths
    )


def lists(**folders: tuple[str, ...]) -> str:
    """Breach when a folder's listing shows any of its secret names (an empty tuple: any name)."""
    return "\n".join(
        f"try:\n    seen = os.listdir({f!r})\n"
        f"    if [n for n in seen if not {names!r} or n in {names!r}]:\n        found.append(({f!r}, seen))\n"
        "except Exception:\n    pass"
        for f, names in folders.values()
    )


def read_attacks(setup: dict[str, str]) -> dict[str, Answer]:
    """Harmless attacks (reads and loopback connections): also run without the sandbox, as control."""
    home, secrets, klass, out = setup["home"], setup["secrets"], setup["class"], setup["out"]
    return {
        "net_tcp_loopback": oracle(
            f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {setup["port"]}), timeout=2).sendall(b"{CANARY}")
                found.append("tcp to loopback")
            except OSError:
                pass
            """
        ),
        "net_udp_and_abstract_socket": oracle(
            f"""
            import socket
            for family, address in ((socket.AF_INET, ("127.0.0.1", {setup["port"]})), (socket.AF_UNIX, "\\0{setup["abstract"]}")):
                try:
                    sock = socket.socket(family, socket.SOCK_STREAM)
                    sock.settimeout(2)
                    sock.connect(address)
                    found.append(address)
                except OSError:
                    pass
            if [i for i in socket.if_nameindex() if i[1] != "lo"]:
                found.append(socket.if_nameindex())
            """
        ),
        "read_root_only_and_secrets": oracle(
            "import os\n"
            + reads(
                "/etc/shadow",
                f"{ROOT}/solutions/step4_train.py",
                f"{ROOT}/autograder/checks/hidden/step4.py",
                f"{secrets}/root-only.txt",
                f"{home}/.bashrc",
                f"{home}/canary.txt",
            )
            + "\n"
            + lists(
                root=(str(ROOT), ("solutions", "autograder", "tests", "course")),
                solutions=(f"{ROOT}/solutions", ()),
                home=(home, ("canary.txt", ".bashrc")),
                secrets=(secrets, ()),
            )
        ),
        "read_other_students_and_grades": oracle(
            "import os\n"
            + reads(f"{klass}/honest/step4_train.py", f"{out}/grades.json", f"{out}/grades.csv")
            + "\n"
            + lists(klass=(klass, ("honest",)), out=(out, ("grades.json", "grades.csv")), jobs=("/jobs", ()))
        ),
        "import_hidden_checks": oracle(
            """
            import importlib.util, sys
            for name in ("autograder.checks.hidden", "autograder.checks", "solutions"):
                try:
                    if importlib.util.find_spec(name) is not None:
                        found.append(name)
                except Exception:
                    pass
            found += [p for p in sys.path if "solutions" in p or p.rstrip("/") == ROOT]
            """.replace("ROOT", repr(str(ROOT)))
        ),
        "read_environment": oracle(
            f"""
            import os, glob
            if any("{CANARY}" in v for v in os.environ.values()):
                found.append("own environment")
            for path in glob.glob("/proc/*/environ"):
                try:
                    if b"{CANARY}" in open(path, "rb").read():
                        found.append(path)
                except OSError:
                    pass
            """
        ),
        "signal_the_grader": oracle(
            """
            import os
            mine = {os.getpid(), os.getppid()}
            reached = [p for p in range(1, 5000) if p not in mine and _can_signal(p)]
            if reached:
                found.append(("signalled", reached[:5]))
            """,
            imports=textwrap.dedent(
                """
                def _can_signal(pid):
                    import os
                    try:
                        os.kill(pid, 0)
                        return True
                    except OSError:
                        return False
                """
            ),
        ),
        "privileges": oracle(
            """
            import os
            status = open("/proc/self/status").read()
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields["CapEff"].strip(), 16) or int(fields["CapPrm"].strip(), 16):
                found.append(("capabilities", fields["CapEff"].strip()))
            if fields.get("NoNewPrivs", "0").strip() != "1":
                found.append("no_new_privs not set")
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            for name, call in (
                ("unshare(CLONE_NEWUSER)", lambda: libc.unshare(0x10000000)),
                ("ptrace(PTRACE_TRACEME)", lambda: libc.ptrace(0, 0, 0, 0)),
                ("keyctl", lambda: libc.syscall(250 if os.uname().machine == "x86_64" else 219, 0, 0, 0, 0)),
            ):
                if call() == 0:
                    found.append(name)
            """
        ),
    }


def write_attacks(setup: dict[str, str]) -> dict[str, Answer]:
    """Attacks that change or stop things: run in the sandbox only."""
    home, klass, out = setup["home"], setup["class"], setup["out"]
    return {
        # Appends to files that exist outside, and creates one where Python runs what it finds; the
        # sandbox's own private /tmp is writable, so nothing here creates folders.
        "write_everywhere": oracle(
            f"""
            import os, numpy
            site = os.path.dirname(os.path.dirname(numpy.__file__))
            targets = [
                "{home}/.bashrc", site + "/evil.pth", "{ROOT}/autograder/evil.py",
                "{klass}/honest/step4_train.py", "{out}/grades.csv",
            ]
            for target in targets:
                try:
                    with open(target, "a") as handle:
                        handle.write("import os; os.system('touch /tmp/{CANARY}-pwned')\\n")
                    found.append(target)
                except OSError:
                    pass
            user_site = "{home}/.local/lib/python3.11/site-packages"
            try:
                os.makedirs(user_site, exist_ok=True)
                open(user_site + "/evil.pth", "w").write("import os\\n")
            except OSError:
                pass  # judged outside: the instructor's real home must have no .local afterwards
            """
        ),
        "kill_everything": oracle(
            """
            import os, signal
            for pid in [-1, *range(2, 5000)]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            """
        ),
        "daemon": oracle(
            """
            import os, time, ctypes
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    ctypes.CDLL(None).prctl(15, b"kc-daemon", 0, 0, 0)  # PR_SET_NAME
                    time.sleep(600)
                os._exit(0)
            time.sleep(0.5)
            """
        ),
        "aa_leftovers_writer": oracle(
            f"""
            import os
            for folder in ("/tmp", "/var/tmp", "/dev/shm", "."):
                try:
                    with open(os.path.join(folder, "kc-leftover-{CANARY}"), "w") as handle:
                        handle.write("{CANARY}")
                except OSError:
                    pass
            written = 0
            try:
                with open("/tmp/kc-leftover-big", "wb") as handle:
                    for _ in range(400):
                        handle.write(b"x" * (1 << 20))
                        written += 1
            except OSError:
                pass
            if written > 200:
                found.append(("wrote MiB to /tmp", written))
            """
        ),
        "zz_leftovers_reader": oracle(
            """
            import os
            for folder in ("/tmp", "/var/tmp", "/dev/shm"):
                try:
                    found += [os.path.join(folder, n) for n in os.listdir(folder) if n.startswith("kc-leftover")]
                except OSError:
                    pass
            """
        ),
    }


# --- forged exports: step 4 (no training), step 2 (a one-layer model) ---------------------------

PERFECT = """
    import json, os, numpy as np
    weights = [np.full((1, 5), 0.5), np.zeros(5), np.full((5, 3), 0.2), np.zeros(3), np.full((3, 1), 2 / 3), np.zeros(1)]
    arrays = {f"after{i}": w for i, w in enumerate(weights)}
    arrays["fit0_x"] = arrays["fit0_y"] = np.arange(1, 11)
    data = {
        "optimizer_steps": 1000, "is_history": True, "history_of_given_model": True,
        "returned_a_fit_history": True, "params": {"epochs": 100, "steps": 10},
        "loss_curve": [10.0 / (i + 1) for i in range(100)], "training": {"verified": True},
        "fit_calls": [{"kind": "fit", "settings": {"epochs": 100, "batch_size": 1}, "unsupported": [],
                       "x_dtype": "int64", "y_dtype": "int64", "epochs_run": 100}],
    }
    calls = {"train_model": {"status": "ok", "returned": "keras.src.callbacks.history.History"}}
    result = json.dumps({"status": "ok", "error": None, "calls": calls, "data": data})
"""


def forged_step4() -> dict[str, Answer]:
    return {
        # 1. Write the export itself, then leave before the harness does.
        "forge4_write_and_exit": Answer(
            4,
            {
                "train_model": textwrap.dedent(PERFECT)
                + "np.savez('arrays.npz', **arrays)\nopen('result.json', 'w').write(result)\nos._exit(0)"
            },
        ),
        # 2. Patch the harness at import so that its own export claims a perfect training.
        "forge4_patch_harness": Answer(
            4,
            {"train_model": "return model"},
            prelude=textwrap.dedent(
                """
                import sys
                def _forge():
                    harness = sys.modules.get("autograder.sandbox.child.harness")
                    real = harness.Export.write
                    def write(self, outdir):
                    """
            )
            + textwrap.indent(textwrap.dedent(PERFECT), " " * 8)
            + textwrap.dedent(
                """
                        self.status, self.calls, self.data = "ok", calls, data
                        self.arrays = arrays
                        return real(self, outdir)
                    harness.Export.write = write
                _forge()
                """
            ),
        ),
        # 3. A grandchild rewrites the export after the harness wrote it.
        "forge4_grandchild": Answer(
            4,
            {
                "train_model": "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                + textwrap.indent(
                    textwrap.dedent(PERFECT)
                    + "import time\nfor _ in range(100):\n    time.sleep(0.05)\n"
                    + "    np.savez('arrays.npz', **arrays)\n    open('result.json', 'w').write(result)\n",
                    " " * 8,
                )
                + "    os._exit(0)\nreturn model",
            },
            prelude="import os\n",
        ),
        # Step 2: a one-layer model described as the tutorial's by a patched harness.
        "forge2_patch_harness": Answer(
            2,
            {"build_model": "return keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])"},
            prelude=textwrap.dedent(
                """
                import sys
                _harness = sys.modules.get("autograder.sandbox.child.harness")
                _real = _harness._describe_model
                def _fake(net, keras):
                    info = _real(net, keras)
                    dense = lambda n, i: {"type": "keras.src.layers.core.dense.Dense", "is_dense": True,
                        "units": n, "activation": "linear", "weight_shapes": [[i, n], [n]]}
                    info["layers"] = [dense(5, 1), dense(3, 5), dense(1, 3)]
                    return info
                _harness._describe_model = _fake
                """
            ),
        ),
    }


# --- files the child leaves for the parent, and submissions that are not what they seem ---------


def leaves(code: str) -> Answer:
    """A step-5 answer that leaves `code`'s files in its work folder and exits before the harness."""
    return Answer(
        5,
        {"evaluate_model": textwrap.dedent(code) + "\nos._exit(0)", "predict": "return None"},
        "import os, json\n",
    )


PARENT_ATTACKS = {
    "dos_fifo": leaves("os.mkfifo('result.json')\nos.mkfifo('arrays.npz')"),
    "dos_symlink_dev_zero": leaves(
        "os.symlink('/dev/zero', 'result.json')\nos.symlink('/dev/zero', 'arrays.npz')"
    ),
    "dos_wrong_shape": leaves(
        "open('result.json', 'w').write(json.dumps({'status': 'ok', 'error': 'x', 'calls': [1], 'data': [1, 2]}))\n"
        "import numpy\nnumpy.savez('arrays.npz')"
    ),
    "dos_deep_json": leaves(
        "open('result.json', 'w').write('[' * 1_000_000)\nimport numpy\nnumpy.savez('arrays.npz')"
    ),
    "dos_huge_sparse": leaves("open('arrays.npz', 'wb').truncate(10 << 30)"),
    "leak_huge_type_name": Answer(
        2,
        {"build_model": "return type('A' * 100_000, (), {})()"},
    ),
    "leak_escape_sequences": Answer(
        3,
        {"compile_model": "raise RuntimeError('\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31m' + 'LEAK' * 100_000)"},
    ),
}


def build_class(base: Path, setup: dict[str, str], harmless_only: bool) -> dict[str, dict[int, int]]:
    """Write the hostile class into setup['class']; return the points each student must get."""
    klass = Path(setup["class"])
    fast = {n: SOLUTIONS[n] for n in (1, 2, 3, 5)}  # step 4 (a fit) only where it matters
    full = {n: MAX[n] for n in (1, 2, 3, 5)} | {4: 0}
    expected: dict[str, dict[int, int]] = {}
    oracles = read_attacks(setup) | ({} if harmless_only else write_attacks(setup))
    for name, answer in oracles.items():
        write_submission(klass / name, fast | {1: answer})
        expected[name] = dict(full)
    if harmless_only:
        return expected
    write_submission(klass / "honest", SOLUTIONS)
    expected["honest"] = dict(MAX)
    for name, answer in forged_step4().items():
        write_submission(
            klass / name, {1: SOLUTIONS[1], 4: answer} if answer.step == 4 else {answer.step: answer}
        )
    expected |= {n: {1: MAX[1], 2: 0, 3: 0, 4: 0, 5: 0} for n in forged_step4() if n.startswith("forge4")}
    twin = Answer(2, {"build_model": forged_step4()["forge2_patch_harness"].bodies["build_model"]})
    write_submission(klass / "forge2_twin", {2: twin})
    for name, answer in PARENT_ATTACKS.items():
        write_submission(klass / name, fast | {answer.step: answer})
        expected[name] = full | {answer.step: 0}
    write_submission(klass / "dos_npz_bombs", NPZ_BOMBS)  # every step leaves one
    expected["dos_npz_bombs"] = {n: 0 for n in MAX}
    # Submissions that are not what they seem.
    (klass / "symlinked_student").symlink_to(klass / "honest")
    expected["symlinked_student"] = {n: 0 for n in MAX}
    links = write_submission(klass / "symlinked_steps", fast)
    for step in STEPS[2:]:
        (links / step.filename).unlink()
    (links / STEPS[2].filename).symlink_to(klass / "honest" / STEPS[2].filename)
    (links / STEPS[3].filename).symlink_to("/etc/shadow")
    os.mkfifo(links / STEPS[4].filename)
    with open(links / STEPS[1].filename, "r+b") as sparse:
        sparse.truncate(10 << 30)
    expected["symlinked_steps"] = {1: MAX[1], 2: 0, 3: 0, 4: 0, 5: 0}
    formula = '=HYPERLINK("evil","x")'
    write_submission(klass / formula, fast)
    expected[formula] = dict(full)
    escape = "evil\x1b]0;pwned\x07\x1b[31mname"
    write_submission(klass / escape, fast)
    expected[escape] = dict(full)  # keyed by its exact name, escaped only where it is shown
    notebook = json.loads((ROOT / "course" / "source" / "keras01" / "keras01.ipynb").read_text())
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "markdown":
            cell["metadata"] = {"nbgrader": ["odd", "metadata"]}
    for deep in ("x = " + "(" * 100_000 + ")" * 100_000, "x = " + "-" * 200_000 + "1"):
        notebook["cells"].append({"cell_type": "code", "metadata": {}, "source": deep, "outputs": []})
    (klass / "odd_notebook").mkdir()
    (klass / "odd_notebook" / "keras01.ipynb").write_text(json.dumps(notebook))
    expected["odd_notebook"] = dict(MAX)
    # 16 MB of `x=1` lines (under the notebook cap) in step 1's answer cell: parsing them once took the
    # grader to 8 GB. Now only that step is refused (its file is over the step-file cap).
    bomb = json.loads((ROOT / "course" / "source" / "keras01" / "keras01.ipynb").read_text())
    for cell in bomb["cells"]:
        if cell.get("id") == "step1_answer":
            cell["source"] = "".join(cell["source"]) + "\n" + "x=1\n" * 3_300_000
    (klass / "dos_notebook_16mb").mkdir()
    (klass / "dos_notebook_16mb" / "keras01.ipynb").write_text(json.dumps(bomb))
    expected["dos_notebook_16mb"] = dict(MAX) | {1: 0}
    return expected


# --- grading the class, as root and as an ordinary user -----------------------------------------


def _ordinary_user() -> str | None:
    """The ordinary user the test grades as (made when missing), or None when this test runs as one."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", USER], check=True)
    return USER


def _let_traverse(paths: list[Path]) -> None:
    """Let other users pass through (not list) the folders above these paths, until the tests end:
    a checkout in a private 0700 folder (`mktemp -d`, as CI makes) would hide the project and its
    venv from the ordinary user, and the user-mode attacks would have nothing to run."""
    for path in paths:
        for folder in [path, *path.parents]:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
                atexit.register(folder.chmod, stat.S_IMODE(mode))


def _python_for(user: str) -> list[str]:
    """An interpreter the ordinary user can run with this project's packages, or skip."""
    site = str(Path(__import__("numpy").__file__).parent.parent)
    _let_traverse([ROOT, Path(site), Path(sys.executable).parent])
    env = ["env", f"PYTHONPATH={ROOT}:{site}"]
    for python in (sys.executable, "/usr/bin/python3"):
        probe = ["runuser", "-u", user, "--", *env, python, "-c", "import keras, autograder"]
        if subprocess.run(probe, capture_output=True).returncode == 0:
            return [*env, python]
    pytest.skip(f"no Python with this project's packages that {user} may run")


class Listener:
    """A loopback TCP port and an abstract Unix socket that record every connection."""

    def __init__(self) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.abstract = f"kc-attacks-{os.getpid()}-{self.port}"
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind("\0" + self.abstract)
        self.unix.listen()
        self.connections: list[object] = []
        for server in (self.tcp, self.unix):
            threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                connection, address = server.accept()
            except OSError:
                return
            self.connections.append(address)
            connection.close()

    def close(self) -> None:
        self.tcp.close()
        self.unix.close()


def grade_hostile_class(identity: str, sandbox: bool = True) -> dict:
    """Build the class, grade it through the CLI as `identity`, and return what to check."""
    user = _ordinary_user() if identity == "user" else None
    if identity == "root" and os.geteuid() != 0:
        pytest.skip("not running as root")
    base = Path(tempfile.mkdtemp(prefix="kc-attacks-"))
    base.chmod(0o755)
    listener = Listener()
    setup = {
        "home": str(base / "home"),
        "secrets": str(base / "secrets"),
        "class": str(base / "class"),
        "out": str(base / "out"),
        "port": str(listener.port),
        "abstract": listener.abstract,
    }
    Path(setup["home"]).mkdir()
    (Path(setup["home"]) / ".bashrc").write_text("# the instructor's shell\n")
    (Path(setup["home"]) / "canary.txt").write_text(CANARY)
    Path(setup["secrets"]).mkdir(mode=0o700)
    (Path(setup["secrets"]) / "root-only.txt").write_text(CANARY)
    (Path(setup["secrets"]) / "root-only.txt").chmod(0o600)
    expected = build_class(base, setup, harmless_only=not sandbox)
    env = {"HOME": setup["home"], "KC_SECRET": CANARY, "TF_CPP_MIN_LOG_LEVEL": "3"}
    record = base / "peak" / "grader.txt"  # the grading process's own peak memory (tests/peak.py)
    record.parent.mkdir()
    command = [str(ROOT / "tests" / "peak.py"), str(record), "-m", "autograder.cli", "grade", setup["class"]]
    command += ["--out", setup["out"]]
    command += ["--lang", "en", "--workers", "2", "--timeout", "60"] + ([] if sandbox else ["--no-sandbox"])
    if user:
        for folder in (setup["home"], setup["class"], str(record.parent)):
            subprocess.run(["chown", "-R", "--no-dereference", f"{user}:{user}", folder], check=True)
        (base / "out").mkdir()
        shutil.chown(base / "out", user, user)
        *python_env, python = _python_for(user)
        argv = [
            "runuser",
            "-u",
            user,
            "--",
            *python_env,
            *(f"{k}={v}" for k, v in env.items()),
            python,
            *command,
        ]
    else:
        argv = [sys.executable, *command]
    started = time.monotonic()
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            argv, stdout=stdout, stderr=stderr, env={**os.environ, **env}, cwd=ROOT, start_new_session=True
        )
        returncode, peak = watch(process, record, ceiling=PEAK_CEILING, timeout=1200)
        stdout.seek(0), stderr.seek(0)
        done = subprocess.CompletedProcess(argv, returncode, stdout.read(), stderr.read())
    listener.close()
    return {
        "identity": identity,
        "base": base,
        "setup": setup,
        "expected": expected,
        "done": done,
        "seconds": time.monotonic() - started,
        "peak": peak,
        "connections": listener.connections,
        "grades": json.loads((base / "out" / "grades.json").read_text())
        if (base / "out" / "grades.json").exists()
        else {},
    }


@pytest.fixture(scope="module", params=["root", "user"])
def hostile(request):
    graded = grade_hostile_class(request.param)
    yield graded
    shutil.rmtree(graded["base"], ignore_errors=True)


def _out_files(graded: dict) -> list[Path]:
    """The text files of OUT (grades, feedback): the loss plots are pictures the grader draws."""
    return [p for p in (graded["base"] / "out").rglob("*") if p.is_file() and p.suffix != ".png"]


def test_the_class_completes_and_lists_every_student(hostile):
    done, grades = hostile["done"], hostile["grades"]
    assert set(grades.get("students", {})) == set(hostile["expected"]) | {
        "forge2_patch_harness",
        "forge2_twin",
    }, done.stderr.decode(errors="replace")[-3000:]
    assert done.returncode in (0, 1)  # 1: some submissions could not run (the attackers)
    rows = (hostile["base"] / "out" / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(grades["students"])


def test_the_graders_own_memory_stays_bounded_whatever_the_class_holds(hostile):
    """The 16 MB notebook and the .npz bomb each once took the grading process to gigabytes (8 GB in
    ast.parse, 2.7 GB converting one array): under a 4 GiB pod nobody was graded. The children may use
    their limits; the grader itself stays under 1 GB."""
    assert hostile["done"].returncode in (0, 1), hostile["done"].stderr.decode(errors="replace")[-3000:]
    print(f"the grading process's peak as {hostile['identity']}: {hostile['peak'] / 2**20:.0f} MiB")
    assert 0 < hostile["peak"] < PARENT_MEMORY, f"{hostile['peak'] / 2**20:.0f} MiB"


def test_each_attacked_step_scores_only_what_honest_work_earns(hostile):
    students = hostile["grades"]["students"]
    wrong = {
        name: (students[name]["steps"], students[name]["reasons"])
        for name, points in hostile["expected"].items()
        if students[name]["steps"] != {str(n): p for n, p in points.items()}
    }
    assert wrong == {}


def test_no_breach_from_inside_the_sandbox(hostile):
    """The step-1 oracles: full marks exactly when every read, connection, signal and write failed."""
    for name, row in hostile["grades"]["students"].items():
        assert not any("BREACH" in reason for reason in row["reasons"]), (name, row["reasons"])
    assert hostile["connections"] == []


def test_a_forged_model_description_earns_what_the_real_model_earns(hostile):
    students = hostile["grades"]["students"]
    assert students["forge2_patch_harness"]["steps"]["2"] == students["forge2_twin"]["steps"]["2"] < MAX[2]


def test_forged_trainings_are_told_apart_in_the_feedback(hostile):
    """No check of step 4 passes, and no loss curve of the forger's making is drawn."""
    for name in ("forge4_write_and_exit", "forge4_patch_harness", "forge4_grandchild"):
        folder = hostile["base"] / "out" / "feedback" / name
        assert "✓" not in (folder / "feedback.md").read_text().split("## 4.")[1].split("## 5.")[0], name
        assert not (folder / "loss.png").exists(), name


def test_nothing_secret_or_hostile_reaches_the_grades_or_the_terminal(hostile):
    for path in _out_files(hostile):
        data = path.read_bytes()
        assert CANARY.encode() not in data, path
        assert b"\x1b" not in data and b"\x07" not in data, path
        if path.name == "grades.json":  # the class's file: each student's record is what is capped
            for name, row in json.loads(data)["students"].items():
                assert len(json.dumps(row, ensure_ascii=False)) < 40_000, name
        else:
            assert len(data) < 200_000, path  # capped: no file of a learner's making, whole
    stderr = hostile["done"].stderr + hostile["done"].stdout
    assert b"\x1b]0;pwned" not in stderr and CANARY.encode() not in stderr
    cells = [line.split(",")[0] for line in (hostile["base"] / "out" / "grades.csv").read_text().splitlines()]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert any(cell.startswith("'=HYPERLINK") or cell.startswith("\"'=HYPERLINK") for cell in cells)


def test_nothing_changed_outside_and_nothing_left_behind(hostile):
    setup = hostile["setup"]
    assert Path(setup["home"], ".bashrc").read_text() == "# the instructor's shell\n"
    assert not Path(setup["home"], ".local").exists()
    assert not list(Path(__import__("numpy").__file__).parent.parent.glob("evil.pth"))
    assert not (ROOT / "autograder" / "evil.py").exists()
    assert (Path(setup["class"]) / "honest" / STEPS[3].filename).read_text() == SOLUTIONS[4]
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        assert not [n for n in os.listdir(folder) if n.startswith("kc-leftover") or CANARY in n], folder
    # Other test workers run zygotes of their own: look for the daemon by name, and for anything
    # still running as the ordinary user this test alone grades as. Processes that are exiting get
    # a few seconds; a daemon would still be there.
    user_uid = pwd.getpwnam(USER).pw_uid if hostile["identity"] == "user" else None
    for _ in range(30):
        leftovers = _running(user_uid)
        if not leftovers:
            break
        time.sleep(0.5)
    assert leftovers == []


def _running(uid: int | None) -> list[tuple[str, str]]:
    """Live processes named kc-daemon, or of user id `uid`: (pid, command line)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if fields.get("State", "").strip().startswith("Z"):
            continue  # already dead, waiting for its parent to reap it
        if fields.get("Name", "").strip() == "kc-daemon" or int(fields["Uid"].split()[0]) == uid:
            found.append((status.parent.name, command[:200]))
    return found


def test_without_the_sandbox_every_oracle_finds_its_breach():
    """Control: the same harmless attacks with --no-sandbox (as root: the machine's worst case)
    each report a breach, so the oracles above can fail, and do when the sandbox is missing."""
    if os.geteuid() != 0:
        pytest.skip("the control run is made as root")
    graded = grade_hostile_class("root", sandbox=False)
    try:
        students = graded["grades"]["students"]
        expected_breaches = set(read_attacks(graded["setup"])) - {"import_hidden_checks"}
        breached = {n for n, row in students.items() if any("BREACH" in r for r in row["reasons"])}
        assert breached >= expected_breaches, students
        assert graded["connections"]
    finally:
        shutil.rmtree(graded["base"], ignore_errors=True)
