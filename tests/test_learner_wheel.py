"""The learners' wheel that `keras-course release DIR` builds into DIR/dist/: what it holds, and that it
installs into a fresh venv under each Python it admits (plain pip under one, uv under the others; both
with constraints.txt), where `keras-course check` passes the solutions and fails the stubs and the
instructors' commands are absent; a Python it does not admit is refused by pip, saying why.

One release and one venv per Python for the whole module (the expensive part: TensorFlow installed
from pip's and uv's caches), on one xdist worker.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from autograder.authoring import layout
from autograder.authoring.release import pins
from autograder.checks.registry import all_checks
from autograder.cli import INSTRUCTOR_COMMANDS
from autograder.core.steps import STEPS

from conftest import ROOT
from leaks import HIDDEN, hidden_code, hidden_texts, solution_regions

pytestmark = pytest.mark.xdist_group("learner-wheel")

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
REQUIRES_PYTHON = SpecifierSet(PROJECT["requires-python"])
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
PLAIN_PIP = "3.11"  # the Python whose venv gets the wheel with plain pip (the others: uv, faster)
PUBLIC = [c for c in all_checks(include_hidden=False)]
CONSTRAINTS = ROOT / "constraints.txt"
UV = Path(sys.executable).parent / "uv"


def find_python(version: str) -> Path | None:
    """An interpreter of this minor version: pyenv's, else one on PATH."""
    found = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python"))
    if found:
        return found[-1]
    which = shutil.which(f"python{version}")
    return Path(which) if which else None


def run(command: list[str | Path], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@dataclass(frozen=True)
class Release:
    folder: Path
    wheel: Path


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    folder = tmp_path_factory.mktemp("wheel") / "release"
    done = run([sys.executable, "-m", "autograder.cli", "release", folder], cwd=ROOT)
    assert done.returncode == 0, done.stderr
    (wheel,) = (folder / "dist").glob("*.whl")
    return Release(folder, wheel)


# --- what the wheel holds -------------------------------------------------------------------------


def secrets_in(texts: dict[str, str]) -> list[tuple[str, str]]:
    """(file, secret) for every solution line, hidden check's code or text, or hidden id in `texts`."""
    secrets = [
        "BEGIN SOLUTION",
        *solution_regions(),
        *hidden_code(),
        *hidden_texts(),
        *(c.id for c in HIDDEN),
    ]
    return [(name, secret) for name, text in texts.items() for secret in secrets if secret in text]


def test_the_secret_scan_finds_what_it_looks_for() -> None:
    """The scan below finds solutions and hidden checks where they are (else it proves nothing)."""
    repository = {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for folder in ("solutions", "autograder/checks/hidden")
        for p in (ROOT / folder).glob("*.py")
    }
    found = {name for name, _ in secrets_in(repository)}
    assert {"solutions/step4_train.py", "autograder/checks/hidden/step4.py"} <= found


def test_the_wheel_holds_the_learner_facing_package_and_nothing_secret(release: Release) -> None:
    with zipfile.ZipFile(release.wheel) as wheel:
        names = wheel.namelist()
        texts = {name: wheel.read(name).decode("utf-8") for name in names}
    package = {n for n in names if n.startswith("autograder/")}
    declared = {layout.module_file(m).relative_to(ROOT).as_posix() for m in layout.learner_modules()}
    assert package == declared  # exactly what the folders declare learner-facing
    assert {
        "autograder/cli.py",
        "autograder/learner/pytest_plugin.py",
        "autograder/checks/public/step4.py",
    } <= package
    for absent in ("autograder/checks/hidden/", "autograder/grading/", "autograder/authoring/", "solutions/"):
        assert not [n for n in names if n.startswith(absent)], absent
    assert not [n for n in names if "calibrat" in n or n.endswith(".json")]
    assert set(names) - package <= {n for n in names if ".dist-info/" in n}
    assert secrets_in(texts) == []
    (info,) = {n.split("/")[0] for n in names if ".dist-info/" in n}
    assert texts[f"{info}/licenses/LICENSE"] == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in texts[f"{info}/licenses/LICENSE"]
    entry_points = texts[f"{info}/entry_points.txt"]
    assert "[pytest11]\nkeras_course = autograder.learner.pytest_plugin" in entry_points
    assert "[console_scripts]\nkeras-course = autograder.cli:main" in entry_points


def test_the_wheel_pins_the_calibrated_versions_and_the_pythons_they_install_on(release: Release) -> None:
    with zipfile.ZipFile(release.wheel) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        meta = Parser().parsestr(wheel.read(name).decode("utf-8"))
    assert meta["Name"] == "keras-course-learner" and meta["License-Expression"] == "MIT"
    assert SpecifierSet(meta["Requires-Python"]) == REQUIRES_PYTHON
    requirements = [Requirement(r) for r in meta.get_all("Requires-Dist")]
    pinned = {
        canonicalize_name(r.name): str(r.specifier)
        for r in requirements
        if not r.marker or "extra" not in str(r.marker)
    }
    calibrated = json.loads((ROOT / "autograder" / "calibration.json").read_text())["measured_with"]
    assert pins() == {
        "tensorflow": calibrated["tensorflow"],
        "tensorflow-cpu": calibrated["tensorflow"],
        "keras": calibrated["keras"],
        "numpy": calibrated["numpy"],
    }
    for distribution in ("tensorflow", "tensorflow-cpu", "keras", "numpy"):
        assert pinned[distribution] == f"=={pins()[distribution]}", distribution
    notebook = [r for r in requirements if r.marker and "extra" in str(r.marker)]
    assert [r.name for r in notebook] == ["jupyterlab"]  # keras-course-learner[notebook]: the same venv


# --- installed: one fresh venv per Python ------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    version: str
    bin: Path
    seconds: float

    def keras_course(self, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
        return run([self.bin / "keras-course", *args], cwd=cwd)


def install(version: str, release: Release, root: Path) -> Installed:
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    venv = root / f"venv-{version}"
    started = time.perf_counter()
    if version == PLAIN_PIP:  # as a learner does: the standard library's venv, its own pip
        assert run([python, "-m", "venv", venv], cwd=root).returncode == 0
        command = [venv / "bin" / "pip", "install", "-q", "-c", CONSTRAINTS, release.wheel]
    else:
        assert run([UV, "venv", "-q", "--python", python, venv], cwd=root).returncode == 0
        command = [
            UV,
            "pip",
            "install",
            "-q",
            "--python",
            venv / "bin" / "python",
            "-c",
            CONSTRAINTS,
            release.wheel,
        ]
    done = run(command, cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    return Installed(version, venv / "bin", time.perf_counter() - started)


SUPPORTED = [v for v in PYTHONS if REQUIRES_PYTHON.contains(f"{v}.0")]
REFUSED = [v for v in PYTHONS if v not in SUPPORTED]


def test_the_pythons_admitted_are_those_tensorflow_keras_and_numpy_install_on() -> None:
    assert SUPPORTED == ["3.11", "3.12", "3.13"] and REFUSED == ["3.10"]


@pytest.fixture(scope="module", params=SUPPORTED)
def installed(
    request: pytest.FixtureRequest, release: Release, tmp_path_factory: pytest.TempPathFactory
) -> Installed:
    return install(request.param, release, tmp_path_factory.mktemp(f"py{request.param}"))


def check_json(installed: Installed, folder: Path, cwd: Path) -> tuple[int, dict]:
    done = installed.keras_course("check", folder, "--json", "--lang", "en", cwd=cwd)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    return done.returncode, json.loads(done.stdout)


def test_check_passes_the_solutions_under_each_python(
    installed: Installed, release: Release, tmp_path: Path
) -> None:
    where = run(
        [installed.bin / "python", "-c", "import autograder, sys; print(autograder.__file__, sys.version)"],
        tmp_path,
    )
    assert str(installed.bin.parent) in where.stdout and where.stdout.split()[1].startswith(installed.version)
    answers = tmp_path / "answers"
    answers.mkdir()
    for step in STEPS:
        shutil.copy(ROOT / "solutions" / step.filename, answers / step.filename)
    code, solved = check_json(installed, answers, cwd=tmp_path)
    assert (code, solved["passed_steps"], solved["score"], solved["max"]) == (0, 5, len(PUBLIC), len(PUBLIC))
    print(f"Python {installed.version}: installed in {installed.seconds:.0f} s")


def test_check_fails_the_stubs(installed: Installed, release: Release) -> None:
    if installed.version != PLAIN_PIP:
        pytest.skip("once is enough: the stubs fail the same under every Python")
    code, stubs = check_json(installed, release.folder / "exercises", cwd=release.folder)
    assert (code, stubs["passed_steps"], stubs["score"]) == (1, 0, 0)


def test_instructor_commands_are_absent_and_say_so_in_one_line(
    installed: Installed, release: Release
) -> None:
    if installed.version != PLAIN_PIP:
        pytest.skip("once is enough")
    shown = installed.keras_course("--help", cwd=release.folder)
    assert shown.returncode == 0 and "check" in shown.stdout and "hint" in shown.stdout
    for command in INSTRUCTOR_COMMANDS:
        assert command not in shown.stdout.replace("keras-course", ""), command
        typed = installed.keras_course(command, "x", "--out", "y", "--help", cwd=release.folder)
        assert typed.returncode == 2 and typed.stdout == "", (command, typed.stdout)
        (line,) = typed.stderr.splitlines()
        assert line.startswith(f"keras-course {command}: 강사용 명령") and "instructor command" in line
    plugin = run([installed.bin / "python", "-m", "pytest", "--help"], cwd=release.folder)
    assert "--hidden" in plugin.stdout  # the pytest plugin is registered (its options are listed)


def test_the_repository_lists_and_runs_the_instructor_commands() -> None:
    """The other way: where the instructor's packages are installed, the same commands are listed."""
    shown = run([sys.executable, "-m", "autograder.cli", "--help"], cwd=ROOT)
    for command in INSTRUCTOR_COMMANDS:
        assert command in shown.stdout
    merged = run([sys.executable, "-m", "autograder.cli", "merge", "--help"], cwd=ROOT)
    assert merged.returncode == 0 and "--out" in merged.stdout


@pytest.mark.parametrize("version", REFUSED)
def test_pip_refuses_a_python_the_pinned_versions_do_not_install_on(
    version: str, release: Release, tmp_path: Path
) -> None:
    """Today's pip says why at once. The pip a Python 3.10 venv starts with (23.0) also refuses, but
    only once it finds no numpy 2.4 for 3.10: the setup page names both messages."""
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    venv = tmp_path / "venv"
    assert run([python, "-m", "venv", venv], cwd=tmp_path).returncode == 0
    pip = [venv / "bin" / "pip", "install", release.wheel]
    bundled = run(pip, cwd=tmp_path)  # as the learners' README says, with the pip the venv came with
    assert bundled.returncode != 0 and not (venv / "bin" / "keras-course").exists()
    said = bundled.stderr
    assert "requires a different Python" in said or "No matching distribution found for numpy==" in said, said
    upgraded = run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--upgrade", "pip"], cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr[-2000:]
    done = run(pip, cwd=tmp_path)
    assert done.returncode != 0 and not (venv / "bin" / "keras-course").exists()
    refusal = (
        f"ERROR: Package 'keras-course-learner' requires a different Python: {python_version(python)} not in"
    )
    assert refusal in done.stderr and str(REQUIRES_PYTHON) in done.stderr, done.stderr[-2000:]


def python_version(python: Path) -> str:
    return run([python, "-c", "import platform; print(platform.python_version())"], cwd=ROOT).stdout.strip()
