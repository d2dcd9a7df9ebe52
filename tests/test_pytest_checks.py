"""The checks are pytest tests: the contract they keep, and plain `pytest` giving the verdicts every
other grader gives (solutions, untouched stubs, every mutant), reported as JUnit XML and as
Gradescope's results.json."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from autograder.checks import library
from autograder.checks.judging import Verdict, judge
from autograder.checks.library import InvalidCheck, check, found, text
from autograder.checks.registry import all_checks
from autograder.core.outcome import Outcome
from autograder.core.steps import STEPS

from answers import MUTANTS, NPZ_BOMBS, TUTORIAL, Answer, write_submission
from conftest import ROOT
from peak import watch

CHECKS = all_checks(include_hidden=True)
PUBLIC = [c for c in CHECKS if not c.hidden]
BIN = Path(sys.executable).parent
TEXTS = {"title": text("제목", "title"), "expected": text("기대", "expected"), "hint": text("힌트", "hint")}


def check_files(kind: str) -> list[Path]:
    return sorted((ROOT / "autograder" / "checks" / kind).glob("step*.py"))


# --- the contract ------------------------------------------------------------------------------------


def test_every_check_is_one_test_function_in_the_check_modules_and_nowhere_else():
    defined = [
        line
        for path in [*check_files("public"), *check_files("hidden")]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("def test_")
    ]
    assert len(defined) == len(CHECKS) == 25
    assert sorted(f"def test_{c.id.replace('.', '_')}" for c in CHECKS) == sorted(
        line.split("(")[0] for line in defined
    )
    elsewhere = [
        path
        for path in (ROOT / "autograder").rglob("*.py")
        if "checks" not in path.relative_to(ROOT / "autograder").parts[:1]
        and re.search(r"^@check\(|pytest\.mark\.check", path.read_text(encoding="utf-8"), re.M)
    ]
    assert elsewhere == []
    # Learners get the public ones beside the stubs, generated from the same source.
    for step in STEPS:
        copy = (ROOT / "exercises" / step.checks_filename).read_text(encoding="utf-8")
        source = (ROOT / "autograder" / "checks" / "public" / f"step{step.number}.py").read_text()
        assert copy.endswith(source) and copy.startswith("# 생성된 파일")


def test_a_check_written_against_the_contract_is_refused_when_its_module_loads():
    with pytest.raises(InvalidCheck, match="name the test function test_step2_units"):
        check("step2.units", **TEXTS)(lambda step2: None)
    with pytest.raises(InvalidCheck, match="the fixture step2"):

        @check("step2.units", **TEXTS)
        def test_step2_units(step3: Outcome) -> None: ...

    with pytest.raises(InvalidCheck, match="not step<N>.<name>"):
        check("step9.units", **TEXTS)
    with pytest.raises(InvalidCheck, match="both a Korean and an English"):
        check("step2.units", **{**TEXTS, "hint": {"ko": "힌트"}})
    with pytest.raises(InvalidCheck, match="no function 'predict'"):
        check("step2.units", needs="predict", **TEXTS)


def _outcome(step: int, status: str = "ok") -> Outcome:
    function = STEPS[step - 1].functions[0]
    return Outcome(step=step, status=status, calls={function: {"status": status}})


def test_judge_passes_only_a_test_that_returns():
    def run(body) -> Verdict:
        @check("step2.units", **TEXTS)
        def test_step2_units(step2: Outcome) -> None:
            body()

        return judge(library.check_of(test_step2_units), _outcome(2))

    def fail_with_found():
        raise AssertionError(found("셋", "three"))

    def bare_assert():
        assert 1 == 2

    def skip():
        pytest.skip("not today")

    def key_error():
        {}["units"]

    def exits():
        sys.exit(0)

    assert run(lambda: None).passed
    verdict = run(fail_with_found)
    assert not verdict.passed and verdict.found == {"ko": "셋", "en": "three"}
    assert "기대한 것: 기대\n실제로 나온 것: 셋\n해 볼 것: 힌트" == verdict.message("ko")
    assert not run(bare_assert).passed
    assert not run(skip).passed, "a skipped check is not a passed check"
    assert run(key_error).found["en"] == "KeyError: units"
    assert not run(exits).passed


def test_grade_counts_a_check_that_did_not_report_as_failed():
    from autograder.checks.report import StepReport
    from autograder.core.submissions import Submission
    from autograder.grading.grade import _result

    reports = []
    for step in STEPS:
        verdicts = [Verdict(c, True, found("ok")) for c in CHECKS if c.step == step.number]
        if step.number == 2:
            verdicts = verdicts[1:]  # the first check of step 2 never reported
        reports.append(StepReport(step, Outcome(step=step.number, status="ok"), verdicts))
    result = _result(Submission("s", Path("s")), "", reports, "en")
    first = next(c for c in CHECKS if c.step == 2)
    assert result.checks[first.id] == 0 and result.total == len(CHECKS) - 1
    assert result.steps["2"] == sum(c.points for c in CHECKS if c.step == 2) - first.points


def test_a_check_whose_function_did_not_return_fails_with_why():
    first, *others = [c for c in CHECKS if c.step == 2]
    verdict = judge(first, _outcome(2, "not_done"))
    assert not verdict.passed and not verdict.skipped and "NotImplementedError" in verdict.found["en"]
    for chk in others:  # they wait for that ✗, with no points and without saying it again
        verdict = judge(chk, _outcome(2, "not_done"))
        assert not verdict.passed and verdict.skipped and "NotImplementedError" not in verdict.message("en")


# --- plain pytest -------------------------------------------------------------------------------------


def run_pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KERAS_COURSE_LANG"))}
    return subprocess.run(
        [str(BIN / "pytest"), "-p", "no:cacheprovider", "-p", "no:xdist", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def junit_verdicts(path: Path) -> dict[tuple[str, str], bool]:
    """(folder name, check id) -> passed, from pytest's JUnit XML and the properties it records."""
    verdicts = {}
    for case in ElementTree.parse(path).iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        folder = case.get("classname").split(".")[-2] if "." in case.get("classname") else ""
        failed = any(case.find(kind) is not None for kind in ("failure", "error", "skipped"))
        verdicts[(folder, props["check"])] = not failed  # a skipped check waits for a ✗: 0 points
    return verdicts


def test_pytest_on_the_exercises_shows_each_failure_as_expected_found_try(tmp_path):
    done = run_pytest(ROOT, "exercises/", "-k", "step2", f"--junitxml={tmp_path / 'j.xml'}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 5 skipped, 13 deselected" in done.stdout  # the other five wait for the ✗
    assert "[step2.total_params] 파라미터가 모두 32개입니다\n기대한 것: 10 + 18 + 4 = 32개" in done.stdout
    assert "실제로 나온 것: 아직 풀지 않았습니다" in done.stdout
    assert "2단계: 0/6점" in done.stdout and "Traceback" not in done.stdout
    # pytest repeats a failure's whole message in its summary when CI is set; count above the summary
    failures = done.stdout.split("short test summary info")[0]
    assert failures.count("아직 풀지 않았습니다") == 1  # said by the ✗ only, not by the waiting five
    strict = run_pytest(ROOT, "exercises/", "-k", "step2", "--waiting-fails")
    assert "6 failed, 13 deselected" in strict.stdout and "2단계: 0/6점" in strict.stdout, strict.stdout
    cases = list(ElementTree.parse(tmp_path / "j.xml").iter("testcase"))
    assert [c.get("name") for c in cases] == [f"test_{c.id.replace('.', '_')}" for c in PUBLIC if c.step == 2]
    (total,) = [c for c in cases if c.get("name") == "test_step2_total_params"]
    props = {p.get("name"): p.get("value") for p in total.iter("property")}
    assert props == {"check": "step2.total_params", "step": "2", "points": "1", "hidden": "false"}

    english = run_pytest(ROOT, "exercises/", "--steps", "solutions", "--hidden", "--lang", "en")
    assert english.returncode == 0, english.stdout + english.stderr
    assert "25 passed" in english.stdout and "total: 25/25 points" in english.stdout


def test_pytest_reads_a_childs_export_with_bounded_memory(tmp_path):
    """`pytest --hidden --steps DIR` reads what each child exported as `grade` does: five steps that
    each write their own 64 KiB .npz of 63 MiB of booleans once took the pytest process to 2.7 GB."""
    write_submission(tmp_path / "bomb", NPZ_BOMBS)
    record = tmp_path / "peak.txt"
    command = [sys.executable, str(ROOT / "tests" / "peak.py"), str(record), "-m", "pytest"]
    command += [
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "exercises/",
        "--hidden",
        "--steps",
        str(tmp_path / "bomb"),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KERAS_COURSE_LANG"))}
    with open(tmp_path / "out.txt", "w+b") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
        returncode, peak = watch(process, record, ceiling=3 << 30, timeout=900)
        out.seek(0)
        output = out.read().decode(errors="replace")
    assert returncode == 1 and "합계: 0/25점" in output, output[-3000:]
    assert 0 < peak < 1 << 30, f"{peak >> 20} MiB"


def test_pytest_gives_the_verdicts_of_every_mutant_the_solutions_and_the_stubs(tmp_path):
    """One pytest session over many folders: each holds a mutant's step file beside that step's
    public and hidden checks; its failed checks must be exactly the ones the mutant breaks."""
    cases: dict[str, tuple[dict[int, Answer | None], set[str], list[int]]] = {
        name: ({m.step: m}, set(m.fails), [m.step]) for name, m in MUTANTS.items()
    }
    cases["solutions"] = ({}, set(), [s.number for s in STEPS])
    cases["stubs"] = ({}, {c.id for c in CHECKS}, [s.number for s in STEPS])
    cases["tutorial"] = (TUTORIAL, set(), [s.number for s in STEPS])
    for name, (answers, _, steps) in cases.items():
        folder = write_submission(tmp_path / name, answers)
        if name == "solutions":
            for step in STEPS:
                shutil.copy(ROOT / "solutions" / step.filename, folder / step.filename)
        for number in steps:
            step = STEPS[number - 1]
            shutil.copy(ROOT / "exercises" / step.checks_filename, folder / step.checks_filename)
            if (ROOT / "autograder" / "checks" / "hidden" / f"step{number}.py").exists():
                hidden = f"from autograder.checks.hidden.step{number} import *  # noqa: F403\n"
                (folder / f"hidden_step{number}_test.py").write_text(hidden, encoding="utf-8")
    # importlib: every folder has its own step2_model_test.py.
    done = run_pytest(tmp_path, ".", "--import-mode=importlib", f"--junitxml={tmp_path / 'j.xml'}", "-q")
    verdicts = junit_verdicts(tmp_path / "j.xml")
    for name, (_, fails, steps) in cases.items():
        ran = {c.id for c in CHECKS if c.step in steps}
        failed = {i for (folder, i), ok in verdicts.items() if folder == name and not ok}
        assert {i for (folder, i) in verdicts if folder == name} == ran, name
        assert failed == fails, (name, done.stdout[-3000:])


# --- Gradescope -------------------------------------------------------------------------------------

GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format"}
GRADESCOPE_TOP |= {
    "test_name_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output"}
GRADESCOPE_TEST |= {"output_format", "tags", "visibility", "extra_data"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def assert_gradescope_results(data: dict) -> None:
    """The fields and values of Gradescope's autograder specification (results.json)."""
    assert set(data) <= GRADESCOPE_TOP and isinstance(data["score"], float)
    assert data.get("stdout_visibility", "hidden") in VISIBILITY
    for test in data["tests"]:
        assert set(test) <= GRADESCOPE_TEST, test
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["status"] in ("passed", "failed") and test["visibility"] in VISIBILITY
        assert isinstance(test["name"], str) and isinstance(test["number"], str)
    assert data["score"] == sum(t["score"] for t in data["tests"])


def run_autograder(tmp: Path, upload: dict[str, str | bytes]) -> dict:
    """course/gradescope/run_autograder, run as Gradescope runs it, on a fake /autograder."""
    root = tmp / "autograder"
    (root / "results").mkdir(parents=True)
    (root / "submission").mkdir()
    for name, content in upload.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "KERAS_COURSE": str(BIN / "keras-course")}
    done = subprocess.run(
        ["bash", str(ROOT / "course" / "gradescope" / "run_autograder")],
        cwd=root,
        env={k: v for k, v in env.items() if k != "KERAS_COURSE_LANG"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert_gradescope_results(data)
    return data


def test_gradescope_run_autograder_scores_a_repository_upload_with_hidden_checks_after_publishing(tmp_path):
    upload = {f"exercises/{s.filename}": (ROOT / "solutions" / s.filename).read_text() for s in STEPS}
    mutant = MUTANTS["step2_relu"]
    upload |= {
        "exercises/step2_model.py": write_submission(tmp_path / "m", {2: mutant})
        .joinpath("step2_model.py")
        .read_text()
    }
    data = run_autograder(tmp_path, upload)
    tests = {t["name"].split(":")[0]: t for t in data["tests"]}
    assert list(tests) == [c.id for c in CHECKS]
    assert data["score"] == len(CHECKS) - len(mutant.fails)
    for c in CHECKS:
        assert tests[c.id]["visibility"] == ("after_published" if c.hidden else "visible")
        assert tests[c.id]["status"] == ("failed" if c.id in mutant.fails else "passed")
    failed = tests[next(iter(mutant.fails))]
    assert "기대한 것" in failed["output"] and "해 볼 것" in failed["output"]


def test_gradescope_an_upload_without_step_files_scores_zero_with_the_reason(tmp_path):
    data = run_autograder(tmp_path, {"notes.txt": "hello"})
    assert data["score"] == 0.0 and len(data["tests"]) == len(CHECKS)
    assert "단계 파일" in data["output"] and all(t["status"] == "failed" for t in data["tests"])


def test_the_gradescope_bundle_holds_the_two_scripts_at_its_root_and_the_whole_grader(tmp_path):
    import zipfile

    done = subprocess.run(
        [str(BIN / "keras-course"), "gradescope-bundle", str(tmp_path / "autograder.zip")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "autograder.zip") as bundle:
        modes = {info.filename: info.external_attr >> 16 for info in bundle.infolist()}
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    graded = {"pyproject.toml", "autograder/checks/hidden/step4.py", "autograder/grading/gradescope.py"}
    assert graded <= set(modes)
    # setup.sh installs with the calibrated versions' pins (constraints.txt), from the bundle itself.
    assert {"constraints.txt", "LICENSE", "autograder/calibration.json"} <= set(modes)
    setup = (ROOT / "course" / "gradescope" / "setup.sh").read_text()
    assert "-c /autograder/source/constraints.txt /autograder/source" in setup
    assert not [name for name in modes if "__pycache__" in name]
    for script in ("setup.sh", "run_autograder"):
        syntax = subprocess.run(["bash", "-n", str(ROOT / "course" / "gradescope" / script)])
        assert syntax.returncode == 0, script
