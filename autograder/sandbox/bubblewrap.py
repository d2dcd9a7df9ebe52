"""The fork server's outer wall: bubblewrap (Debian's `bwrap`) gives the zygote a file-system view
that holds only what a step needs, no network, and its own PID, IPC and UTS namespaces.

What the view holds, all read-only: system libraries (`/usr` and its usual links), the interpreter,
the folders its packages come from (numpy, keras, TensorFlow), a staged copy of the few modules the
child side needs (never the check library, the hidden checks or `solutions/`), and the grader's
scratch folder at `/jobs` (the only writable place; each step hides every other step's folder).
Not in it: the instructor's home, the submissions, the grades, `/etc` but the loader's cache, and
anything only root may read.

As root, the zygote starts with CAP_SYS_ADMIN only to mount a /proc of its own, then keeps only
CAP_SETUID and CAP_SETGID, to give each step an unprivileged user id;
as an ordinary user, bubblewrap makes a user namespace. Either way each step then makes its own
namespaces inside (autograder.sandbox.child.confine).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.sandbox.child import contract

# What enters the sandbox of the package: the child side (autograder.sandbox.child) and what it may
# import (its docstring's `May import:`, autograder.core), with the `__init__` of the packages above
# them. Never the check library, the hidden checks, grading or `solutions/` (tests/test_layout.py).
STAGED_PACKAGES = ("sandbox/child", "core")
STAGE = "/opt/keras-course"
PACKAGE = Path(__file__).resolve().parents[1]


def staged_files() -> list[Path]:
    """The package's files that the child side imports, relative to the package folder."""
    files = {Path("__init__.py")}
    for package in STAGED_PACKAGES:
        files.update(p.relative_to(PACKAGE) for p in (PACKAGE / package).glob("*.py"))
        files.update(parent / "__init__.py" for parent in Path(package).parents if parent != Path("."))
    return sorted(files)


class SandboxUnavailable(RuntimeError):
    """This machine cannot run the sandbox; `str()` says why, for the instructor."""


def child_uid() -> int:
    """As root, the user id that steps run under: the first of a private range that no account uses."""
    import pwd  # POSIX only: this module is imported on Windows too (by `check`)

    for uid in range(61000, 65000):
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
    raise SandboxUnavailable("no unused user id in 61000-64999 for the children")


def stage_package(folder: Path) -> Path:
    """Copy the child side's modules into `folder`/autograder (read-only in the sandbox)."""
    target = folder / "autograder"
    for name in staged_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGE / name, target / name)
    for path in (folder, *target.rglob("*"), target):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def _import_dirs() -> list[Path]:
    """The folders numpy, keras and TensorFlow are imported from (site-packages, or PYTHONPATH's)."""
    import importlib.util

    folders = []
    for name in ("numpy", "keras", "tensorflow"):
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            folders.append(Path(spec.origin).parent.parent)
    return list(dict.fromkeys(folders))


def python_path() -> str:
    """PYTHONPATH inside the sandbox: the staged modules first, then where the packages come from."""
    return os.pathsep.join([STAGE, *map(str, _import_dirs())])


def _package_dirs() -> list[Path]:
    """The interpreter's prefixes and the folders its packages are imported from."""
    folders = [Path(sys.base_prefix), Path(sys.prefix), *_import_dirs()]
    resolved = sorted({f.resolve() for f in folders if f.exists()}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for folder in resolved:  # a folder inside one already bound comes with it
        if not any(folder.is_relative_to(parent) for parent in kept):
            kept.append(folder)
    return kept


def _ancestors(paths: list[Path]) -> list[Path]:
    """Every folder above `paths`, made 0755 in the view so an unprivileged child can pass through
    (bubblewrap would copy the host's mode: /root is 0700)."""
    above = {parent for path in paths for parent in path.parents if parent != Path("/")}
    return sorted(above, key=lambda p: len(p.parts))


def command(python: str, stage: Path, jobs: Path, as_root: bool) -> list[str]:
    """The bwrap command line that starts `python -m autograder.sandbox.child.zygote` in the sandbox."""
    argv = ["bwrap", "--die-with-parent", "--new-session"]
    argv += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if as_root:
        argv += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        argv += ["--cap-add", "CAP_SYS_ADMIN", "--setenv", "KERAS_COURSE_ROOT_SANDBOX", "1"]
    else:
        argv += ["--unshare-user"]
    argv += ["--ro-bind", "/usr", "/usr"]
    for link in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(link):
            argv += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            argv += ["--ro-bind", link, link]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d"):
        argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    packages = [p for p in _package_dirs() if not p.is_relative_to("/usr")]
    sides = hidden_by_private_temp(packages)
    for folder in _ancestors([*packages, Path(STAGE), *map(Path, sides)]):
        argv += ["--perms", "0755", "--dir", str(folder)]
    for folder in packages:
        argv += ["--ro-bind", str(folder), str(folder)]
    for side, folder in sides.items():  # see autograder.sandbox.child.confine
        argv += ["--ro-bind", str(folder), side]
    if any(PACKAGE.is_relative_to(folder) for folder in [*packages, Path("/usr")]):
        argv += ["--perms", "0555", "--tmpfs", str(PACKAGE)]  # an installed copy: hide the checks
    argv += ["--ro-bind", str(stage), STAGE, "--bind", str(jobs), "/jobs"]
    argv += ["--dir", "/step", "--perms", "1777", "--dir", "/tmp", "--perms", "1777", "--dir", "/var/tmp"]
    argv += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/"]
    return [*argv, python, "-s", "-m", "autograder.sandbox.child.zygote"]


def hidden_by_private_temp(packages: list[Path] | None = None) -> dict[str, str]:
    """Package folders that live under a folder each step gets privately (a venv in /tmp, say),
    each also bound at a side path: the step binds it back over its own, empty, /tmp."""
    packages = [p for p in _package_dirs() if not p.is_relative_to("/usr")] if packages is None else packages
    private = [Path(folder) for folder in contract.PRIVATE_TEMP]
    under = [p for p in packages if any(p.is_relative_to(folder) for folder in private)]
    return {f"{STAGE}-packages/{i}": str(folder) for i, folder in enumerate(under)}


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when this machine can run the sandbox, else why not (in English; shown as is)."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux namespaces; this is {sys.platform}"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = ["bwrap", "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "true"]
    if os.geteuid() != 0:
        probe.insert(1, "--unshare-user")
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not start: {exc}"
    if done.returncode != 0:
        return f"the kernel refused the sandbox's namespaces: {done.stderr.strip()[:200]}"
    return None
