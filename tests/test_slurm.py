"""course/cluster/grade.sbatch on a real single-node SLURM (Debian's slurm-wlm and munge, which
`make system-deps` installs): a job array grades the held-out class in 2 tasks, `sacct` shows them
COMPLETED, a rerun of one task skips what it graded, and the merge is byte for byte one run's grades.

The cluster is started by the test in a temporary folder (its slurm.conf, munge key and socket, state,
spool and logs), as the current user; every daemon is stopped by its pid and the folder removed.
Accounting without slurmdbd: jobcomp/filetxt, which `sacct --completion` reads.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster import keras_course, same_output
from conftest import ROOT

pytestmark = pytest.mark.xdist_group("grade-shards")
DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "sacct", "squeue", "scancel", "sinfo")
SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
# Where Debian's packages keep state by default: the test must leave these as it found them.
SYSTEM_STATE = (
    "/run/munge",
    "/run/slurm",
    "/var/spool/slurmctld",
    "/var/spool/slurmd",
    "/var/lib/munge",
    "/var/lib/slurm",
    "/var/log/munge",
    "/var/log/slurm",
)


def missing_programs() -> list[str]:
    return [name for name in (*DAEMONS, *CLIENTS) if not shutil.which(name, path=SBIN)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def slurm_conf(home: Path, node: str) -> str:
    user = getpass.getuser()
    return f"""\
ClusterName=keras-course-test
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser={user}
SlurmdUser={user}
AuthType=auth/munge
AuthInfo=socket={home}/run/munge.sock
CredType=cred/munge
StateSaveLocation={home}/state
SlurmdSpoolDir={home}/spool
SlurmctldPidFile={home}/run/slurmctld.pid
SlurmdPidFile={home}/run/slurmd.pid
SlurmctldLogFile={home}/log/slurmctld.log
SlurmdLogFile={home}/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
JobCompType=jobcomp/filetxt
JobCompLoc={home}/log/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
NodeName={node} NodeAddr=127.0.0.1 CPUs={os.cpu_count() or 1} RealMemory=8192 State=UNKNOWN
PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


def state_listing() -> set[str]:
    return {str(p) for folder in SYSTEM_STATE if Path(folder).exists() for p in Path(folder).rglob("*")}


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 20 s: by this process's pid, nothing else."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def single_node_slurm() -> Iterator[dict[str, str]]:
    """munged, slurmctld and slurmd in a temporary folder; yields the environment of its clients."""
    home = Path(tempfile.mkdtemp(prefix="keras-course-slurm-"))
    home.chmod(0o755)  # munged wants every folder above its socket searchable
    for folder in ("run", "state", "spool", "log", "key"):
        (home / folder).mkdir(mode=0o755)
    (home / "key").chmod(0o700)
    (home / "key" / "munge.key").write_bytes(os.urandom(1024))
    (home / "key" / "munge.key").chmod(0o400)
    node = socket.gethostname().split(".")[0]
    (home / "slurm.conf").write_text(slurm_conf(home, node))
    env = {**os.environ, "SLURM_CONF": str(home / "slurm.conf"), "PATH": SBIN}
    started: list[subprocess.Popen] = []

    def start(*command: str) -> None:
        log = open(home / "log" / f"{command[0]}.out", "w")  # noqa: SIM115 - closed with the process
        started.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
        log.close()

    try:
        munge = ("--socket", f"{home}/run/munge.sock", "--key-file", f"{home}/key/munge.key")
        files = ("--pid-file", f"{home}/run/munged.pid", "--log-file", f"{home}/log/munged.log")
        start("munged", "--foreground", *munge, *files, "--seed-file", f"{home}/key/munged.seed")
        wait_for(lambda: (home / "run" / "munge.sock").exists(), 20, "munged", home)
        start("slurmctld", "-D", "-f", str(home / "slurm.conf"))
        start("slurmd", "-D", "-f", str(home / "slurm.conf"))

        def idle() -> bool:
            done = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True)
            return done.stdout.strip() == "idle"

        wait_for(idle, 60, "slurmd to register", home)
        yield env
    finally:
        with contextlib.suppress(OSError):
            subprocess.run(["scancel", "--user", getpass.getuser()], env=env, capture_output=True, timeout=20)
        for process in reversed(started):
            stop(process)
        shutil.rmtree(home, ignore_errors=True)


def wait_for(ready, seconds: float, what: str, home: Path) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            logs = "\n".join(f"{p.name}: {p.read_text()[-1500:]}" for p in sorted((home / "log").glob("*")))
            raise TimeoutError(f"waited {seconds} s for {what}\n{logs}")
        time.sleep(0.5)


def run(env: dict[str, str], *command: str) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done.stdout


def wait_for_job(env: dict[str, str], job: str, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while run(env, "squeue", "-h", "-j", job).strip():
        assert time.monotonic() < deadline, run(env, "squeue", "-j", job)
        time.sleep(2)


def completed(env: dict[str, str], name: str) -> list[tuple[str, str]]:
    """(state, exit code) of every job named `name`, as `sacct --completion` reports it."""
    listing = run(
        env, "sacct", "--completion", "-P", "-n", "-S", "2000-01-01", "-o", "JobName,State,ExitCode"
    )
    return sorted(tuple(line.split("|")[1:]) for line in listing.splitlines() if line.split("|")[0] == name)


@pytest.mark.skipif(
    bool(missing_programs()),
    reason=f"SLURM or munge not installed: {missing_programs()} "
    "(`make system-deps` installs Debian's slurm-wlm and munge)",
)
def test_a_slurm_job_array_grades_the_class_as_one_run_does(one_run, tmp_path):
    root, single = one_run
    parts, out = tmp_path / "parts", tmp_path / "grades"
    before = state_listing()
    script = str(ROOT / "course" / "cluster" / "grade.sbatch")
    with single_node_slurm() as env:
        env = {
            **env,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
            "KERAS_COURSE_LANG": "en",
        }
        submit = ("sbatch", "--parsable", "--cpus-per-task=1", "--mem=2G", f"--chdir={tmp_path}")
        job = run(env, *submit, "--array=0-1", script, str(root), str(parts), "2").strip()
        wait_for_job(env, job)
        logs = "\n".join(p.read_text()[-2000:] for p in sorted(tmp_path.glob("keras-course-grade-*.out")))
        assert completed(env, "keras-course-grade") == [("COMPLETED", "0:0")] * 2, logs
        assert "shard 0/2: 5 students (of 10)" in logs and "shard 1/2: 5 students (of 10)" in logs

        # Rerun one task (as after a failure): it keeps its slice and skips what it graded.
        rerun = run(env, *submit, "--array=1", script, str(root), str(parts), "2").strip()
        wait_for_job(env, rerun)
        assert completed(env, "keras-course-grade") == [("COMPLETED", "0:0")] * 3
        assert (
            "5 unchanged since the last run" in (tmp_path / f"keras-course-grade-{rerun}_1.out").read_text()
        )
    assert state_listing() == before
    merged = keras_course("merge", str(parts), "--out", str(out), "--lang", "en")
    assert merged.returncode == 1 and "merged 2 parts: 9 graded, 1 failed" in merged.stderr, merged.stderr
    same_output(single, out)
