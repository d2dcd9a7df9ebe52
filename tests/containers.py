"""podman for the container tests: the flags these machines need, Debian's base from
course/cluster/debian-base.sh, a folder of wheels pinned to this venv (TensorFlow is downloaded once
and both images install from it, offline), the Kubernetes manifest's securityContext as podman flags,
and what an image holds, read through `podman image mount`."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from conftest import ROOT

# runc: crun refuses the hybrid cgroup layout of these machines; cgroupfs: no systemd to ask.
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"]
# podman asks runc for RLIMIT_NOFILE 1048576 and an unlimited RLIMIT_NPROC, above the hard limits a
# nested machine gives (runc cannot raise them: "error setting rlimits"); ask for what it may set.
RLIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]
# The name course/cluster/Dockerfile's FROM uses; course/cluster/debian-base.sh tags its base so.
BASE = "docker.io/library/debian:bookworm-slim"
DEBIAN_PYTHON = (3, 11)  # bookworm's python3: the wheels must fit it
# The pod's user namespace (hostUsers: false): the kubelet maps it to a range of 65536 ids on the node.
POD_ID_RANGE = 100000
# The site's and the instructor's tools: never in the grader's image nor in Gradescope's.
DOCS_AND_COURSE_TOOLS = {
    "mkdocs",
    "mkdocs-material",
    "mkdocs-static-i18n",
    "pymdown-extensions",
    "nbgrader",
    "nbformat",
    "playwright",
    "ruff",
    "pytest-xdist",
    "kubernetes-validate",
}
REPOSITORY_ONLY = ("solutions", "tests", "docs", "sitegen", "benchmarks")


def unavailable() -> str | None:
    """None where podman can build and run the images here, else why not."""
    if not sys.platform.startswith("linux"):
        return f"podman's containers need Linux; this is {sys.platform}"
    if os.geteuid() != 0:
        return "the container tests run podman and debootstrap as root (make test does, as root)"
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    missing = [name for name in ("podman", "runc", "debootstrap") if not shutil.which(name, path=path)]
    if missing:
        return f"{', '.join(missing)} not installed: `make system-deps` installs them"
    done = subprocess.run(
        [*PODMAN, "info", "--format", "{{.Host.OCIRuntime.Name}}"], capture_output=True, text=True
    )
    if done.returncode != 0:
        return f"podman cannot run here: {done.stderr.strip()[:300]}"
    return None


def podman(*args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`podman ARGS` with this machine's global flags; fails the test with its output unless `check=False`."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    done = subprocess.run(
        [*PODMAN, *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, "PATH": path}
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"podman {' '.join(args[:3])} … exited {done.returncode}:\n{done.stderr[-4000:]}"
        )
    return done


class Phases:
    """Seconds per phase of the container tests, written to `file` as they are measured."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def measure(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.seconds[name] = round(time.monotonic() - started, 1)
        self.file.write_text(json.dumps(self.seconds, indent=1) + "\n")


def base_image(phases: Phases) -> str:
    """Debian's base under the Dockerfile's FROM name: made by course/cluster/debian-base.sh unless this
    machine has one already (a lock keeps two test runs from both making it)."""
    with open("/var/tmp/keras-course-debian-base.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if podman("image", "exists", BASE, check=False).returncode != 0:
            with phases.measure("debootstrap + podman import (base)"):
                done = subprocess.run(
                    [str(ROOT / "course" / "cluster" / "debian-base.sh"), BASE],
                    capture_output=True,
                    text=True,
                    timeout=1800,
                    env={**os.environ, "PODMAN": " ".join(PODMAN)},
                )
            assert done.returncode == 0, done.stderr[-4000:]
    return BASE


def wheelhouse(folder: Path, phases: Phases) -> Path:
    """The wheels of keras-course's core dependencies at the versions this venv holds (so the images
    compute what the host does), plus the build backend: the images install from here, offline."""
    folder.mkdir(parents=True, exist_ok=True)
    tools = {"keras-course", "pip", "setuptools", "wheel"}  # the build backend: setuptools>=68, below
    # The venv's own folders only: once a test has imported setuptools, sys.path also holds
    # setuptools/_vendor, whose older `packaging` made the constraints contradict themselves (CI).
    venv = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    pins = sorted(
        {
            f"{dist.metadata['Name']}=={dist.version}"
            for dist in metadata.distributions(path=venv)
            if dist.metadata["Name"] and dist.metadata["Name"].lower() not in tools
        }
    )
    constraints = folder.parent / "constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    target: list[str] = []
    if sys.version_info[:2] != DEBIAN_PYTHON:  # wheels for the images' python, not this one
        version = "".join(map(str, DEBIAN_PYTHON))
        target = ["--python-version", version, "--implementation", "cp", "--abi", f"cp{version}"]
        for platform in ("manylinux_2_28", "manylinux_2_27", "manylinux_2_17", "manylinux2014", "manylinux1"):
            target += ["--platform", f"{platform}_x86_64"]
    # Its own cache: in full runs, with other tests' pip installs going at the same time, this download
    # failed (ResolutionImpossible) every time while alone it passed. Once more before giving up.
    command = [sys.executable, "-m", "pip", "download", "--only-binary=:all:", *target]
    command += ["--cache-dir", str(folder.parent / "pip-cache"), "-c", str(constraints), "-d", str(folder)]
    command += [str(ROOT), "setuptools>=68", "wheel"]
    with phases.measure("pip download (wheels, once for both images)"):
        for _ in range(2):
            done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
            if done.returncode == 0:
                break
    # pip warns once per package about this machine's missing local index: keep only what it says else.
    output = (done.stdout + done.stderr).splitlines()
    said = [line for line in output if "is ignored: it is neither a file" not in line]
    assert done.returncode == 0, "\n".join(said)[-6000:]
    return folder


@contextlib.contextmanager
def mounted(image: str) -> Iterator[Path]:
    """The image's file system, read from the host (`podman image mount`, as root)."""
    path = Path(podman("image", "mount", image).stdout.strip())
    try:
        yield path
    finally:
        podman("image", "unmount", image, check=False)


def distributions(site_packages: Path) -> set[str]:
    """The normalised names of the distributions installed in `site_packages`."""
    names = set()
    for info in site_packages.glob("*.dist-info"):
        text = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
        if found := re.search(r"^Name: *(.+)$", text, re.M):
            names.add(re.sub(r"[-_.]+", "-", found[1].strip()).lower())
    return names


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def repository_only_files() -> dict[tuple[int, str], str]:
    """(size, sha256) → path of every file of solutions/, tests/, docs/, sitegen/ and benchmarks/ that
    is no byte-for-byte copy of a package file (and not too small to tell apart)."""
    package = {_digest(p) for p in (ROOT / "autograder").rglob("*") if p.is_file()}
    files = {}
    for top in REPOSITORY_ONLY:
        for path in (ROOT / top).rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts or path.stat().st_size < 200:
                continue
            digest = _digest(path)
            if digest not in package:
                files[(path.stat().st_size, digest)] = str(path.relative_to(ROOT))
    return files


def copies_in(root: Path, wanted: dict[tuple[int, str], str]) -> list[str]:
    """The files under `root` that are byte-for-byte one of `wanted` (matched by size, then sha256)."""
    sizes = {size for size, _ in wanted}
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            stat = path.lstat()
            if path.is_symlink() or not path.is_file() or stat.st_size not in sizes:
                continue
            if (key := (stat.st_size, _digest(path))) in wanted:
                found.append(f"/{path.relative_to(root)} = {wanted[key]}")
    return found


def default_uid(image: str) -> int:
    """The user id the image's processes run as when nobody says otherwise."""
    return int(podman("run", "--rm", *RLIMITS, "--network", "none", image, "id", "-u").stdout)


def pod_flags(job: dict) -> list[str]:
    """podman flags for the pod the Job's template describes: its securityContext (pod and container),
    its user namespace and its memory limit. A field this does not know fails the test, so that the
    manifest cannot gain a setting the test does not run."""
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    context = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
    flags: list[str] = []
    if pod.get("hostUsers") is False:
        flags += ["--uidmap", f"0:{POD_ID_RANGE}:65536", "--gidmap", f"0:{POD_ID_RANGE}:65536"]
    for key, value in context.items():
        if key in ("runAsNonRoot", "runAsGroup", "fsGroup"):
            continue  # with runAsUser below; fsGroup: the test makes the volume the pod's
        if key == "runAsUser":
            flags += ["--user", f"{value}:{context.get('runAsGroup', value)}"]
        elif key in ("seccompProfile", "appArmorProfile"):  # RuntimeDefault: podman's own, as CRI-O's
            assert value["type"] in ("Unconfined", "RuntimeDefault"), (key, value)
            if value["type"] == "Unconfined":
                flags += [
                    "--security-opt",
                    f"{'seccomp' if key == 'seccompProfile' else 'apparmor'}=unconfined",
                ]
        elif key == "allowPrivilegeEscalation":
            flags += [] if value else ["--security-opt", "no-new-privileges"]
        elif key == "capabilities":
            flags += [f for cap in value.get("drop", []) for f in ("--cap-drop", cap)]
            flags += [f for cap in value.get("add", []) for f in ("--cap-add", cap)]
        elif key == "procMount":
            flags += ["--security-opt", "unmask=ALL"] if value == "Unmasked" else []
        else:
            raise AssertionError(f"tests/containers.py does not know securityContext.{key}")
    memory = container.get("resources", {}).get("limits", {}).get("memory")
    if memory:
        flags += ["--memory", memory.replace("Gi", "g").replace("Mi", "m")]
    return flags


def volume_owner(job: dict) -> tuple[int, int]:
    """Who owns the pod's volume on the node: its user (and fsGroup), through the pod's id mapping."""
    pod = job["spec"]["template"]["spec"]
    context = pod.get("securityContext", {})
    shift = POD_ID_RANGE if pod.get("hostUsers") is False else 0
    return shift + context["runAsUser"], shift + context.get("fsGroup", context.get("runAsGroup", 0))
