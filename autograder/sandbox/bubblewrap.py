"""The fork server's outer wall: bubblewrap (Debian's `bwrap`) gives the zygote a file-system view
that holds only what a step needs, no network, its own PID, IPC and UTS namespaces.

What the view holds, all read-only: system libraries (`/usr` and its usual links), the interpreter,
the folders its packages come from (numpy, keras, TensorFlow), a staged copy of the few modules the
child side needs (never the check library, the hidden checks or `solutions/`), and the grader's
scratch folder at `/jobs` (the only writable place; each step hides every other step's folder).
Everything of the grader's is bound under `/sandbox` at neutral paths (`/sandbox/python`,
`/sandbox/packages/0`, `/sandbox/stage`), never at the instructor's own paths: a venv may live
anywhere (`/opt/...`, `/tmp/...`, a home) without colliding with the view, and a step does not see
where it lives. Not in it: the instructor's home, the submissions, the grades, `/etc` but the
loader's cache, and anything only root may read.

Three ways to build it (`Mode`), tried in this order and each probed with the exact command it will
run (autograder.sandbox.launch.sandbox_mode):
- `root`: as root, the zygote starts with CAP_SYS_ADMIN only to mount a /proc of its own, then keeps
  only CAP_SETUID and CAP_SETGID, to give each step an unprivileged user id;
- `dropped`: as root without CAP_SYS_ADMIN (a container's or a Kubernetes pod's default), bubblewrap
  itself runs as that unprivileged user id and makes a user namespace;
- `user`: as an ordinary user, bubblewrap makes a user namespace.
Each step then makes its own namespaces inside (autograder.sandbox.child.confine).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox.child import contract

# What enters the sandbox of the package: the child side (autograder.sandbox.child) and what it may
# import (its docstring's `May import:`, autograder.core), with the `__init__` of the packages above
# them. Never the check library, the hidden checks, grading or `solutions/` (tests/test_layout.py).
STAGED_PACKAGES = ("sandbox/child", "core")
PACKAGE = Path(__file__).resolve().parents[1]
SANDBOX = "/sandbox"  # everything of the grader's, at paths that say nothing of the instructor's
STAGE = f"{SANDBOX}/stage"
PYTHON_HOME = f"{SANDBOX}/python"
PACKAGES = f"{SANDBOX}/packages"
ZYGOTE = "autograder.sandbox.child.zygote"
MODES = ("root", "dropped", "user")


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
    folders = []
    for name in ("numpy", "keras", "tensorflow"):
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            folders.append(Path(spec.origin).resolve().parent.parent)
    return list(dict.fromkeys(folders))


def _base_interpreter() -> Path:
    """The real interpreter behind this one (a venv's `python` is a link to, or a copy of, it)."""
    return Path(os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable))


@dataclass(frozen=True)
class View:
    """Where the grader's Python lives inside the sandbox."""

    python: str  # the interpreter to run, inside
    binds: tuple[tuple[str, str], ...]  # (host folder, inside), read-only
    python_path: tuple[str, ...]  # where numpy, keras and TensorFlow are imported from, inside
    hidden: tuple[str, ...]  # inside folders covered by an empty folder: an installed copy of the checks
    library_path: str | None  # where the interpreter's libpython is, inside, when it was moved


def view() -> View:
    """The interpreter's prefix at /sandbox/python, other package folders at /sandbox/packages/N;
    what lives in /usr stays where it is (the view binds /usr whole)."""
    base, python = Path(sys.base_prefix).resolve(), _base_interpreter()
    binds: dict[Path, str] = {}
    if not base.is_relative_to("/usr"):
        binds[base] = PYTHON_HOME
    if not python.is_relative_to("/usr") and not python.is_relative_to(base):
        binds[python.parent] = f"{SANDBOX}/bin"

    def inside(path: Path) -> str:
        for host, there in binds.items():
            if path.is_relative_to(host):
                return str(Path(there, path.relative_to(host)))
        return str(path)  # in /usr

    for folder in _import_dirs():
        if not folder.is_relative_to("/usr") and not any(folder.is_relative_to(h) for h in binds):
            binds[folder] = f"{PACKAGES}/{len([t for t in binds.values() if t.startswith(PACKAGES)])}"
    hidden = [inside(PACKAGE)] if any(PACKAGE.is_relative_to(h) for h in [*binds, Path("/usr")]) else []
    # A moved interpreter finds its libpython through an absolute run path no longer there (and would
    # load another Python's from /usr/lib): point the loader at its own.
    moved_library = base in binds and any((base / "lib").glob("libpython*.so*"))
    return View(
        python=inside(python),
        binds=tuple((str(h), t) for h, t in binds.items()),
        python_path=tuple(inside(f) for f in _import_dirs()),
        hidden=tuple(hidden),
        library_path=f"{PYTHON_HOME}/lib" if moved_library else None,
    )


def environment() -> dict[str, str]:
    """What the fork server's environment adds inside the sandbox: PYTHONPATH (the staged modules
    first, then where the packages come from) and, for a moved interpreter, LD_LIBRARY_PATH."""
    seen = view()
    added = {"PYTHONPATH": os.pathsep.join([STAGE, *seen.python_path])}
    if seen.library_path:
        added["LD_LIBRARY_PATH"] = seen.library_path
    return added


def _ancestors(paths: list[str]) -> list[str]:
    """Every folder above `paths`, made 0755 in the view so an unprivileged child can pass through."""
    above = {str(parent) for path in paths for parent in Path(path).parents if parent != Path("/")}
    return sorted(above, key=lambda p: len(Path(p).parts))


def command(stage: Path, jobs: Path, mode: str, groups: Path | None = None) -> list[str]:
    """The bwrap command line that starts `python -m autograder.sandbox.child.zygote` in the sandbox.
    `groups`: the folder of the steps' memory groups (a cgroup), bound where the keepers join them."""
    if mode not in MODES:
        raise ValueError(f"unknown sandbox mode {mode!r}")
    argv = ["bwrap", "--die-with-parent", "--new-session"]
    argv += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    if mode == "root":
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
    seen = view()
    mounts = [inside for _, inside in seen.binds] + [STAGE, contract.GROUPS]
    for folder in _ancestors(mounts):
        argv += ["--perms", "0755", "--dir", folder]
    for host, inside in seen.binds:
        argv += ["--ro-bind", host, inside]
    for folder in seen.hidden:  # an installed copy of the package: hide the checks
        argv += ["--perms", "0555", "--tmpfs", folder]
    argv += ["--ro-bind", str(stage), STAGE, "--bind", str(jobs), contract.JOBS]
    if groups is not None:
        argv += ["--bind", str(groups), contract.GROUPS]
    argv += [
        "--dir",
        contract.STEP,
        "--perms",
        "1777",
        "--dir",
        "/tmp",
        "--perms",
        "1777",
        "--dir",
        "/var/tmp",
    ]
    argv += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/"]
    return [*argv, seen.python, "-s", "-m", ZYGOTE]


def missing_reason() -> str | None:
    """Why this machine cannot even try the sandbox (not Linux, no bubblewrap), else None."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux namespaces; this is {sys.platform}"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    return None


def candidate_modes() -> tuple[str, ...]:
    """The modes to try here, best first."""
    return ("root", "dropped") if os.geteuid() == 0 else ("user",)
