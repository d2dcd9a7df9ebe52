"""The learner's notebook (docs/{ko,en}/downloads/keras_course.ipynb), executed end to end with
nbclient in real kernels: as generated (stubs), with the solutions typed in (in a kernel of the
learners' release, installed with pip, without the hidden checks), and with known-wrong answers,
edits, errors and hangs (in this repository's kernel). Also: it is generated fresh, is a valid
nbformat v4 notebook without solutions, ships in the release, and the built site links it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import nbformat
import numpy as np
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from autograder.authoring import learner_notebook
from autograder.authoring.nbgrader_notebook import function_source
from autograder.authoring.stubs import fill_stub, stub_source
from autograder.checks.registry import all_checks
from autograder.core.steps import STEP_BY_NUMBER, STEPS
from autograder.learner import kernel
from sitegen import build

from answers import MUTANTS, fill_notebook, solution_answer
from conftest import ROOT
from leaks import hidden_code, hidden_texts, solution_regions
from test_course import Learner, learner  # noqa: F401 - the release installed into a fresh venv

NOTEBOOKS = learner_notebook.NOTEBOOKS
PUBLIC = all_checks(include_hidden=False)
STEP2_POINTS = sum(c.points for c in PUBLIC if c.step == 2)
CELL_TIMEOUT = 300  # nbclient's own limit per cell: step 4 trains twice, on a busy machine
ROW = re.compile(r"^ (✓|✗|–) {2,}\S")  # a check's first line: its mark, then its text


def read(lang: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS[lang], as_version=4)


# --- the file ------------------------------------------------------------------------------------


def test_notebooks_are_generated_fresh_and_deterministically() -> None:
    targets = build.targets()
    for lang, path in NOTEBOOKS.items():
        assert path in targets
        made = learner_notebook.notebook_text(lang)
        assert made == targets[path]() == path.read_text(encoding="utf-8")


def test_notebook_is_valid_has_fixed_ids_no_outputs_and_the_stubs() -> None:
    for lang in NOTEBOOKS:
        nb = read(lang)
        nbformat.validate(nb)
        assert nb.nbformat == 4
        ids = ["intro", "install", "setup"]
        for step in STEPS:
            ids += [f"step{step.number}_intro", f"step{step.number}_answer", f"step{step.number}_check"]
        assert [c.id for c in nb.cells] == [*ids, "all_intro", "all_check"]
        cells = {c.id: c for c in nb.cells}
        assert all(
            not c.get("outputs") and c.get("execution_count") is None
            for c in nb.cells
            if c.cell_type == "code"
        )
        for step in STEPS:  # exactly nbgrader's stubs, the same as exercises/ and the nbgrader release
            assert cells[f"step{step.number}_answer"].source == stub_source(function_source(step))
            assert cells[f"step{step.number}_check"].source == f"check({step.number})"
        assert "from autograder.learner.notebook import check, set_language" in cells["setup"].source
        assert f'set_language("{lang}")' in cells["setup"].source


def test_notebook_holds_no_solution_and_nothing_hidden() -> None:
    solution_lines = {
        line.strip()
        for step in STEPS
        for body in solution_answer(step.number).bodies.values()
        for line in body.splitlines()
        if len(line.strip()) > 8
    }
    assert solution_lines
    for lang in NOTEBOOKS:
        text = NOTEBOOKS[lang].read_text(encoding="utf-8")
        for secret in [
            "BEGIN SOLUTION",
            "END SOLUTION",
            "checks.hidden",
            *solution_regions(),
            *hidden_code(),
            *hidden_texts(),
        ]:
            assert secret not in text, secret
        code = "\n".join(c.source for c in read(lang).cells if c.cell_type == "code")
        for line in solution_lines:  # the hints (Markdown) may quote an answer's line, the code never
            assert line not in code, line


# --- the time limit, in process ----------------------------------------------------------------------


def test_a_hang_is_stopped_at_the_time_limit_and_the_next_check_runs_unhindered() -> None:
    kernel.clear_cache()

    def make_data():
        while True:
            pass

    started = time.perf_counter()
    outcome = kernel.step_outcome(1, {"make_data": make_data}, timeout=1)
    assert outcome.call_status("make_data") == "timeout" and time.perf_counter() - started < 10
    time.sleep(1.5)  # no interrupt is left over from the watchdog
    good = kernel.step_outcome(1, {"make_data": lambda: (np.arange(1, 11), np.arange(1, 11))}, timeout=1)
    assert good.call_status("make_data") == "ok"


def test_an_interrupt_outside_the_learners_functions_ends_the_step_as_a_timeout(monkeypatch) -> None:
    """nbgrader's cell timeout (or the Stop button) landing in the grader's own work: the step's other
    check cells read the timeout at once instead of running the step again."""
    kernel.clear_cache()
    calls = []

    def make_data():
        calls.append(1)
        return np.arange(1, 11), np.arange(1, 11)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(kernel, "outcome_from_export", interrupted)
    for _ in range(2):
        assert kernel.step_outcome(1, {"make_data": make_data}).status == "timeout"
    assert calls == [1]


# --- a check cell run before its answer cell, in process ------------------------------------------


def run_check(source: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What `source` (cells' code calling `check`) prints outside a kernel, in globals of its own."""
    from autograder.learner.notebook import check

    exec(source, {"check": check, "np": np})  # noqa: S102 - a notebook's globals: `check` reads its caller's
    return flat(capsys.readouterr().out)


def test_a_check_cell_run_before_its_answer_cell_says_only_to_run_that_cell(capsys) -> None:
    """One message, no table whose rows would say the file lacks the function and to keep the `def` line."""
    kernel.clear_cache()
    for lang, said in [
        (
            "ko",
            "1단계의 답 셀을 아직 실행하지 않았습니다. 그래서 `make_data` 함수가 아직 없습니다. 위의 답 셀"
            "(`def make_data` 줄이 있는 셀)을 먼저 실행하고(Shift+Enter) 이 셀을 다시 실행하세요.",
        ),
        (
            "en",
            "Step 1's answer cell has not been run yet, so `make_data` is not defined. Run the answer cell "
            "above (the one with `def make_data`) first (Shift+Enter), then run this cell again.",
        ),
    ]:
        assert run_check(f"check(1, lang={lang!r})", capsys) == said
    two = run_check("check(5, lang='en')", capsys)
    assert two.startswith("Step 5's answer cell has not been run yet, so `evaluate_model` and `predict` are")
    everything = run_check(
        "def make_data():\n    return np.arange(1, 11), np.arange(1, 11)\ncheck(lang='en')", capsys
    )
    assert everything == (
        "The answer cells of steps 2, 3, 4, 5 have not been run yet. Run each step's answer cell (the one "
        "with `def`) first (Shift+Enter), then run this cell again. To see one step's results, run the "
        "`check(N)` cell under its answer cell."
    )
    for shown in (said, two, everything):
        assert not {"✓", "✗", "–", "passed", "points"} & set(shown.split()) and "file" not in shown
    # Once the answer cell has run, the table, even for a wrong answer; and a step missing one of its
    # two functions (a renamed `def`) still gets its table, with a note on the missing one.
    wrong = run_check(
        "def make_data():\n    return np.arange(10), np.arange(10)\ncheck(1, lang='en')", capsys
    )
    assert "✗ 1. Prepare the data" in wrong and "0 of 1 steps passed" in wrong
    half = run_check("def evaluate_model(model, x, y):\n    return 0.0, 0.0\ncheck(5, lang='en')", capsys)
    assert half.startswith("! `predict` is not defined: check that the answer cell above still has the")
    assert "✗ 5. Evaluate and predict" in half and "0 of 1 steps passed" in half


# --- running it ------------------------------------------------------------------------------------


def execute(nb: nbformat.NotebookNode, cwd: Path, km: KernelManager | None = None) -> dict[str, list]:
    """Run every cell as a learner would (errors do not stop the run); the outputs by cell id."""
    resources = {"metadata": {"path": str(cwd)}}
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True, resources=resources, km=km
    )
    client.execute()
    return {cell.id: cell.outputs for cell in nb.cells if cell.cell_type == "code"}


def assert_clean(nb: nbformat.NotebookNode, errors: set[str] = frozenset()) -> None:
    """Nothing on stderr, no terminal escape codes anywhere, errors only in the cells named."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.get("name") != "stderr", (cell.id, output)
            assert "\x1b" not in json.dumps(output), (cell.id, output)
            if output.output_type == "error":
                assert cell.id in errors, (cell.id, output.ename, output.evalue)


def table(outputs: list) -> str:
    """What a check cell shows: one output, HTML (rich's Jupyter form) and the same as plain text."""
    (shown,) = outputs
    assert shown.output_type == "display_data" and set(shown.data) == {"text/plain", "text/html"}
    assert shown.data["text/html"].startswith("<pre ")
    return shown.data["text/plain"]


def marks(text: str, step: int) -> dict[str, str]:
    """check id -> ✓, ✗ or – as a step's table shows them (one row per public check, in order)."""
    title = re.search(rf"^[✓✗] {step}\. .*$", text, re.M)
    assert title, text
    rows = [line[1] for line in text[title.start() :].splitlines()[1:] if ROW.match(line)]
    ids = [c.id for c in PUBLIC if c.step == step]
    return dict(zip(ids, rows[: len(ids)]))


def flat(text: str) -> str:
    """The table's text with its wrapping undone (every run of spaces and newlines as one space)."""
    return " ".join(text.split())


def cell(source: str, cell_id: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source, id=cell_id)


def test_as_generated_every_check_cell_says_what_to_fill_in(tmp_path: Path) -> None:
    """Korean, in this repository's kernel (hidden checks installed: still only the public ones run)."""
    nb = read("ko")
    outputs = execute(nb, tmp_path)
    assert_clean(nb)
    assert outputs["install"] == outputs["setup"] == []  # installed here: the install cell does nothing
    for step in STEPS:
        text = table(outputs[f"step{step.number}_check"])
        points = sum(c.points for c in PUBLIC if c.step == step.number)
        assert f"✗ {step.number}. {step.title['ko']}  0/{points} — 아직 풀지 않음" in text
        shown = marks(text, step.number)
        assert len(shown) == points and "✓" not in shown.values()
        firsts = {c.needs: c.id for c in reversed([c for c in PUBLIC if c.step == step.number])}
        assert {i for i, m in shown.items() if m == "✗"} == set(firsts.values())
        assert "아직 풀지 않았습니다" in flat(text) and "`# YOUR CODE HERE` 아래를 채우고" in flat(text)
        assert "단계 1개 중 0개 통과" in flat(text) and "숨은 검사" in flat(text)
        assert len([line for line in text.splitlines() if ROW.match(line)]) == points  # no hidden rows
    assert f"단계 5개 중 0개 통과 (0/{len(PUBLIC)}점)" in flat(table(outputs["all_check"]))


def learner_kernel(release: Learner, folder: Path) -> KernelManager:
    """A kernel of the learners' release environment (its Python, its installed autograder)."""
    spec = folder / "kernels" / "keras-course-learner"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(release.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "keras-course learner",
                "language": "python",
                "env": {"PYTHONPATH": "", "VIRTUAL_ENV": ""},
            }
        ),
        encoding="utf-8",
    )
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)])
    return KernelManager(kernel_name="keras-course-learner", kernel_spec_manager=specs)


def test_the_solutions_pass_every_check_in_the_learners_release(
    learner: Learner,  # noqa: F811
    tmp_path: Path,
) -> None:
    """English, in a kernel of the release installed with pip: the hidden checks are not there."""
    release_copy = learner.release / learner_notebook.NAME
    assert release_copy.read_text(encoding="utf-8") == learner_notebook.notebook_text("ko")
    path = tmp_path / learner_notebook.NAME
    path.write_bytes(NOTEBOOKS["en"].read_bytes())
    fill_notebook(path, {step.number: solution_answer(step.number) for step in STEPS})
    nb = nbformat.read(path, as_version=4)
    probe = "import autograder\nfrom autograder.checks.registry import hidden_available\nprint(autograder.__file__, hidden_available())"
    nb.cells.insert(2, cell(probe, "probe"))
    outputs = execute(nb, tmp_path, learner_kernel(learner, tmp_path))
    assert_clean(nb)
    where, hidden = outputs["probe"][0].text.split()
    assert where.startswith(str(learner.python.parent.parent)) and hidden == "False"
    for step in STEPS:
        text = table(outputs[f"step{step.number}_check"])
        points = sum(c.points for c in PUBLIC if c.step == step.number)
        assert f"✓ {step.number}. {step.title['en']}  {points}/{points}" in text, text
        assert set(marks(text, step.number).values()) == {"✓"}
        assert "1 of 1 steps passed" in flat(text) and not text.startswith("!")
    everything = flat(table(outputs["all_check"]))
    assert f"5 of 5 steps passed ({len(PUBLIC)}/{len(PUBLIC)} points)" in everything
    assert "the hidden checks add theirs when your instructor grades" in everything


def test_a_wrong_answer_an_edit_an_error_and_a_hang_in_one_session(tmp_path: Path) -> None:
    """Steps 1 to 3 with known-wrong answers, then what a learner does next, cell after cell."""
    nb = read("en")
    keep = {"setup", *(f"step{n}_{part}" for n in (1, 2, 3) for part in ("answer", "check"))}
    nb.cells = [c for c in nb.cells if c.id in keep]
    path = tmp_path / "part.ipynb"
    nbformat.write(nb, path)
    wrong = {1: MUTANTS["step1_from_zero"], 2: MUTANTS["step2_swapped_5_3"], 3: solution_answer(3)}
    fill_notebook(path, wrong)
    nb = nbformat.read(path, as_version=4)
    stub = {n: stub_source(function_source(STEP_BY_NUMBER[n])) for n in (1, 2)}
    nb.cells += [
        # step 4's check cell run before its answer cell: one message, no table
        cell("check(4)", "early_check"),
        # the learner fixes step 2 and checks again: the new function is checked, not a cached result
        cell(fill_stub(stub[2], solution_answer(2).bodies), "fixed"),
        cell("check(2)", "fixed_check"),
        # then breaks it with a syntax error: Python keeps the old function, check says so
        cell("def build_model():\n    model = Sequential(\n    return model", "broken"),
        cell("check(2)", "broken_check"),
        # a cell that stops before its def: the older function is checked, with a note
        cell("1 / 0\n\n\ndef make_data():\n    return None", "stops_early"),
        cell("check(1)", "stops_early_check"),
        # a function that raises, one that never ends, one that sleeps, and the kernel goes on
        cell("def make_data():\n    x = 1 / 0\n    return x, x", "raises"),
        cell("check(1)", "raises_check"),
        cell(fill_stub(stub[1], {"make_data": "while True:\n    pass"}), "endless"),
        cell("check(1, timeout=2)", "endless_check"),
        cell("import time\n\n\ndef make_data():\n    time.sleep(600)", "sleeps"),
        cell("check(1, timeout=2)", "sleeps_check"),
        cell("del make_data\ncheck(1)", "deleted_check"),
        cell("print('still here')", "alive"),
    ]
    outputs = execute(nb, tmp_path)
    assert_clean(nb, errors={"broken", "stops_early"})

    for step in (1, 2):  # exactly the public checks the mutant fails
        expected = {c.id for c in PUBLIC if c.step == step} & wrong[step].fails
        shown = marks(table(outputs[f"step{step}_check"]), step)
        assert expected and {i for i, m in shown.items() if m != "✓"} == expected
    assert set(marks(table(outputs["step3_check"]), 3).values()) == {"✓"}
    assert set(marks(table(outputs["fixed_check"]), 2).values()) == {"✓"}

    broken = flat(table(outputs["broken_check"]))
    assert broken.startswith(
        "! The last time you ran the cell with `def build_model` it had a syntax error (line 2)"
    )
    assert "a syntax error stops Python reading" in broken and f"0/{STEP2_POINTS}" in broken

    early = table(outputs["stops_early_check"])
    assert flat(early).startswith("! `make_data` is not from the last run of the cell with `def make_data`")
    assert marks(early, 1) == marks(table(outputs["step1_check"]), 1)  # still the wrong answer above

    raised = flat(table(outputs["raises_check"]))
    assert "`make_data` raised an error (line 2: x = 1 / 0): ZeroDivisionError: division by zero" in raised
    assert "call the function yourself in a new cell" in raised and "exercises/" not in raised
    for hung in ("endless_check", "sleeps_check"):
        text = flat(table(outputs[hung]))
        assert "stopped after 2 s without finishing" in text, text
    before = flat(table(outputs["early_check"]))
    assert before.startswith("Step 4's answer cell has not been run yet, so `train_model` is not defined.")
    assert "✗" not in before and "steps passed" not in before
    deleted = flat(table(outputs["deleted_check"]))
    assert deleted.startswith("`make_data` is no longer defined (deleted?). Run the answer cell above")
    assert "✗" not in deleted and "steps passed" not in deleted
    assert outputs["alive"][0].text == "still here\n"


def test_keras_course_check_reads_the_learner_notebook_as_grading_does(tmp_path: Path) -> None:
    """Its answer cells become the step files; `from autograder.learner import check` is left out (the
    sandboxed child cannot import it), so a learner's notebook is graded like any other."""
    path = tmp_path / learner_notebook.NAME
    path.write_bytes(NOTEBOOKS["ko"].read_bytes())
    mutant = MUTANTS["step2_swapped_5_3"]
    fill_notebook(path, {2: mutant})
    command = [
        sys.executable,
        "-m",
        "autograder.cli",
        "check",
        str(path),
        "--step",
        "2",
        "--json",
        "--lang",
        "en",
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    (report,) = json.loads(done.stdout)["steps"]
    failed = {c["id"] for c in report["checks"] if not c["passed"]}
    assert failed == {c.id for c in PUBLIC if c.step == 2} & mutant.fails, report


# --- on the site ---------------------------------------------------------------------------------------


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as `mkdocs build --strict` builds it (any warning, a broken link included, fails it)."""
    out = tmp_path_factory.mktemp("site")
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "-q",
        "-f",
        str(ROOT / "mkdocs.yml"),
        "-d",
        str(out),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("lang", list(NOTEBOOKS))
def test_the_setup_page_links_the_notebook_for_download(lang: str, site: Path) -> None:
    page = site / ("setup" if lang == "ko" else "en/setup") / "index.html"
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    (link,) = [a for a in parser.links if (a.get("href") or "").endswith(learner_notebook.NAME)]
    assert link.get("download") == learner_notebook.NAME
    url = urljoin(f"http://site/{page.parent.relative_to(site).as_posix()}/", link["href"])
    served = site / url.removeprefix("http://site/")
    assert served.read_bytes() == NOTEBOOKS[lang].read_bytes()
