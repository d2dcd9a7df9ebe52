"""Real runs whose output the instructor guide shows, so none of its console text is typed by hand.

One recording, in a temporary folder that plays the instructor's home (`~`):

1. the nbgrader round of `keras01`, command by command as the guide shows them: `keras-course course
   init`, `nbgrader db student import`, `generate_assignment`, `release_assignment`, learners'
   `fetch_assignment`, `validate` and `submit` (one account plays every learner with `--student`),
   `collect`, `autograde`, `generate_feedback`, `release_feedback`, `export`;
2. `keras-course grade` on the same class (its `submitted/`), in Korean and in English, each followed
   by a rerun that skips the unchanged submissions, with `--nbgrader` writing into the gradebook;
3. `keras-course release`, what a learner of the `.py` route receives.

The class is the sample student list (course/students.csv): minji answers with the solutions, junho
makes one common mistake in every step, seoyeon submits the untouched stubs, hyunwoo's notebook is not
valid JSON, and jiwoo never submits.

Each command runs as typed on the page (`bash -c`, with the virtualenv's `bin` first on PATH and HOME
set to the temporary folder); its output is kept as a terminal shows it, stdout and stderr together,
with what differs between machines and runs replaced: the temporary folder by `~`, install paths by
`…`, times by `YYYY-MM-DD hh:mm:ss.ffffff`, random names by `X`s. It takes a few minutes, so
`python -m sitegen.build` reruns it only when a file it depends on changes (recordings.py keeps
the fingerprint): `python -m sitegen.site_instructor OUT.json` runs it alone.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from autograder.authoring.stubs import fill_stub
from autograder.core.steps import STEP_BY_NUMBER, STEPS

ROOT = Path(__file__).resolve().parent.parent
LEARNER_CONFIG = (
    ROOT / "course" / "learner_nbgrader_config.json"
)  # what learners' Jupyter reads (see the guide)
SOLUTIONS = ROOT / "solutions"
ASSIGNMENT = "keras01"
COURSE = "keras-course-class"  # the course folder, in the instructor's home
EXCHANGE = f"$HOME/{COURSE}/exchange"
LEARNER_FLAGS = f"--course=keras-course --Exchange.root={EXCHANGE}"
COLUMNS = 80  # the terminal width rich lays its tables out for (what fits a code box on the site)

# The sample class (course/students.csv). junho's mistakes are the step pages' own (site_capture.MISTAKES).
SOLVED, STUBS, INVALID = "solutions", "stubs", "invalid"
JUNHO_MISTAKES = ("1.from_zero", "2.swapped", "3.sgd", "4.default_batch", "5.flat_predictions")
CLASS: dict[str, str | tuple[str, ...]] = {
    "minji": SOLVED,
    "junho": JUNHO_MISTAKES,
    "seoyeon": STUBS,
    "hyunwoo": INVALID,
}
ABSENT = "jiwoo"  # in the student list, never submits
INVALID_NOTEBOOK = '{"cells": [ this is not JSON\n'
FEEDBACK_CELL = "step2_layer_params"  # a hidden test cell junho fails: what its feedback shows


# --- answers, as a learner types them into the stubs -------------------------------------------------


def solution_bodies(step: int) -> dict[str, str]:
    """Each function's solution region in solutions/, dedented (what a learner types under the stub)."""
    source = (SOLUTIONS / STEP_BY_NUMBER[step].filename).read_text(encoding="utf-8")
    bodies = {}
    for function in STEP_BY_NUMBER[step].functions:
        region = re.search(
            rf"def {function}\(.*?### BEGIN SOLUTION\n(?P<body>.*?)\n[ ]*### END SOLUTION", source, re.S
        )
        if region is None:
            raise ValueError(f"no solution region in {function}")
        bodies[function] = textwrap.dedent(region["body"])
    return bodies


def answers_of(plan: tuple[str, ...] | str) -> dict[int, dict[str, str]]:
    """Function bodies per step: the solutions, with the named mistakes (`"2.swapped"`) in their place."""
    from sitegen.site_capture import MISTAKES

    answers = {step.number: solution_bodies(step.number) for step in STEPS}
    chosen = {f"{m.step}.{m.id}": m for m in MISTAKES}
    for name in plan if isinstance(plan, tuple) else ():
        answers[chosen[name].step].update(chosen[name].bodies)
    return answers


def answer_notebook(path: Path, plan: tuple[str, ...] | str) -> None:
    """Answer the fetched notebook at `path` as the learner would in Jupyter (only the answer cells)."""
    if plan == STUBS:
        return
    if plan == INVALID:
        path.write_text(INVALID_NOTEBOOK, encoding="utf-8")
        return
    import nbformat

    answers = answers_of(plan)
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        for step in STEPS:
            if cell.get("id") == f"step{step.number}_answer":
                cell.source = fill_stub(cell.source, answers[step.number])
    nbformat.write(notebook, path)


def mistakes_shown() -> dict[str, Any]:
    """junho's mistakes, for the page: what each one is, in both languages."""
    from sitegen.site_capture import MISTAKES

    chosen = {f"{m.step}.{m.id}": m for m in MISTAKES}
    return {name: {"step": chosen[name].step, "title": chosen[name].title} for name in JUNHO_MISTAKES}


# --- the shell: commands run as typed, output as a terminal shows it ----------------------------------

_TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?Z?")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Shell:
    """bash in a temporary home, with this virtualenv's commands (`nbgrader`, `keras-course`) on PATH."""

    def __init__(self, home: Path) -> None:
        self.home = home
        dropped = (
            "KERAS_COURSE_",
            "JUPYTER_",
            "TF_",
            "CUDA_",
            "KERAS_",
            "VIRTUAL_ENV",
            "PYTHONPATH",
            "COLUMNS",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
        # matplotlib's font cache stays where it is: a new home would rebuild it and say so on stderr.
        mpl = os.environ.get("MPLCONFIGDIR") or str(Path.home() / ".cache" / "matplotlib")
        self.env = env | {
            "HOME": str(home),
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]),
            "MPLCONFIGDIR": mpl,
            "COLUMNS": str(COLUMNS),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",  # stdout and stderr interleave as in a terminal
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        # The learners' Jupyter config (what a JupyterHub admin installs): nbgrader's 4 s output wait
        # makes `nbgrader validate` fail on a busy machine.
        (home / ".jupyter").mkdir(parents=True, exist_ok=True)
        shutil.copy(LEARNER_CONFIG, home / ".jupyter" / "nbgrader_config.json")

    def path(self, shown: str) -> Path:
        return self.home / shown.removeprefix("~").lstrip("/") if shown.startswith("~") else Path(shown)

    def clean(self, text: str) -> list[str]:
        """The output with what differs between machines and runs replaced (see the module docstring)."""
        text = _ANSI.sub("", text)
        for home in {str(self.home), os.path.realpath(self.home)}:
            text = text.replace(home, "~")
        text = re.sub(r"[^\s\"'(]*/site-packages/", "…/site-packages/", text)
        stdlib = sysconfig.get_paths()["stdlib"]
        text = text.replace(stdlib + "/", f"…/{Path(stdlib).name}/")
        text = text.replace(str(ROOT), "…/keras-course")
        text = _TIME.sub("YYYY-MM-DD hh:mm:ss.ffffff", text)
        # a submission's random name (URL-safe base64: it may end in - or _, where \b would not match)
        text = re.sub(r"(UTC\+)[A-Za-z0-9_-]{12}(?![A-Za-z0-9_-])", r"\1XXXXXXXXXXXX", text)
        text = re.sub(r"\b[0-9a-f]{32}(-tmp)?\.html\b", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX.html", text)
        lines = [line.rstrip() for line in text.split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:  # what a finished progress bar leaves when it is not a terminal
            lines.pop(0)
        return lines

    def run(self, command: str, cwd: str = "~") -> dict[str, Any]:
        started = time.perf_counter()
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.path(cwd),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return {
            "command": command,
            "cwd": cwd,
            "status": done.returncode,
            "seconds": round(time.perf_counter() - started, 1),
            "output": self.clean(done.stdout),
        }


# --- the recording ---------------------------------------------------------------------------------------


def _learner(student: str, command: str) -> str:
    return f"nbgrader {command} {ASSIGNMENT} {LEARNER_FLAGS} --student={student}"


def nbgrader_round(shell: Shell) -> dict[str, Any]:
    """The whole nbgrader round; returns each shown command with its output (by a short name)."""
    ran: dict[str, Any] = {}
    course = f"~/{COURSE}"

    def step(name: str, command: str, cwd: str = course) -> dict[str, Any]:
        ran[name] = shell.run(command, cwd)
        if ran[name]["status"] != 0:  # a recording of a failed command is no documentation
            raise RuntimeError(f"{command!r} failed:\n" + "\n".join(ran[name]["output"][-40:]))
        return ran[name]

    step("init", f"keras-course course init ~/{COURSE}", "~")
    step("students", f"cd ~/{COURSE}\nnbgrader db student import students.csv", "~")
    step("generate", f"nbgrader generate_assignment {ASSIGNMENT}")
    step("release", f"nbgrader release_assignment {ASSIGNMENT}")
    # Learners: fetch, answer in Jupyter, validate, submit (shown for minji and junho; the others alike).
    for student, plan in CLASS.items():
        fetch = f"mkdir ~/{student} && cd ~/{student}\n{_learner(student, 'fetch_assignment')}"
        ran.setdefault("fetch", {})[student] = shell.run(fetch, "~")
        answer_notebook(shell.path(f"~/{student}") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", plan)
    step("validate_pass", f"nbgrader validate {ASSIGNMENT}/{ASSIGNMENT}.ipynb", "~/minji")
    step(
        "validate_fail",
        f'cd ~/junho\nnbgrader validate {ASSIGNMENT}/{ASSIGNMENT}.ipynb; echo "exit status: $?"',
        "~/junho",
    )
    for student in CLASS:
        submit = f"cd ~/{student}\n{_learner(student, 'submit')}"
        ran.setdefault("submit", {})[student] = shell.run(submit, "~")
    step("collect", f"cd ~/{COURSE}\nnbgrader collect {ASSIGNMENT}")
    step("autograde", f'nbgrader autograde {ASSIGNMENT}; echo "exit status: $?"')
    step("generate_feedback", f"nbgrader generate_feedback {ASSIGNMENT}")
    step("release_feedback", f"nbgrader release_feedback {ASSIGNMENT}")
    step("export", "nbgrader export")
    step("export_csv", "cat grades.csv")
    feedback = shell.path(course) / "feedback" / "junho" / ASSIGNMENT
    if not (feedback / f"{ASSIGNMENT}.html").is_file():  # nbgrader says why only in its output
        said = ran["autograde"]["output"][-30:] + ran["generate_feedback"]["output"][-30:]
        raise RuntimeError("no feedback page for junho:\n" + "\n".join(said))
    ran["feedback_cell"] = feedback_cell(feedback)
    ran["feedback_files"] = sorted(
        p.relative_to(shell.path(course)).as_posix() for p in (shell.path(course) / "feedback").rglob("*")
    )
    return ran


def feedback_cell(folder: Path) -> list[str]:
    """One hidden test cell of a feedback page, as text (what the learner reads there)."""
    page = (folder / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", "", page)).replace("\xa0", " ").replace("¶", "")
    start = text.index(f"Grade cell: {FEEDBACK_CELL}")
    start = text.rindex("In [", 0, start)
    end = text.index("In [", start + 1)
    lines, blank = [], False
    for line in text[start:end].splitlines():
        line = line.rstrip()
        if line.strip() or not blank:
            lines.append(line.strip() if line.strip().startswith(("Score:", "Grade cell:")) else line)
        blank = not line.strip()
    while lines and not lines[-1]:
        lines.pop()
    return lines


def grade_round(shell: Shell, lang: str) -> dict[str, Any]:
    """`keras-course grade` on the course, a rerun, and what it wrote; OUT kept as grades-LANG."""
    flag = " --lang en" if lang == "en" else ""
    command = f"keras-course grade {COURSE} --out grades{flag} --nbgrader {COURSE}"
    out = shell.path("~/grades")
    ran: dict[str, Any] = {
        "grade": shell.run(f'{command}; echo "exit status: $?"'),
        "rerun": shell.run(command),
        "files": shell.run("find grades -type f | sort"),
        "csv": shell.run("cat grades/grades.csv"),
        "feedback": shell.run("cat grades/feedback/junho/feedback.md"),
        "export": shell.run(f"cd {COURSE} && nbgrader export --to grades-after.csv && cat grades-after.csv"),
    }
    ran["json"] = (out / "grades.json").read_text(encoding="utf-8")  # as written (the recording sorts keys)
    ran["report"] = (out / "report.html").read_text(encoding="utf-8")  # the guide links it as it is
    out.rename(shell.path(f"~/grades-{lang}"))
    return ran


def versions() -> dict[str, str]:
    """nbgrader, TensorFlow and Keras as installed (TensorFlow may be the `tensorflow-cpu` wheel)."""
    from importlib import metadata

    found = {}
    for name, distributions in (
        ("nbgrader", ("nbgrader",)),
        ("tensorflow", ("tensorflow", "tensorflow-cpu")),
        ("keras", ("keras",)),
    ):
        for distribution in distributions:
            try:
                found[name] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                continue
    return found


class UnexpectedRun(RuntimeError):
    """A recorded command ended otherwise than the guide says it does."""


def expect_statuses(result: dict[str, Any]) -> None:
    """Every shown command succeeds, except a rerun of `grade`, which still has hyunwoo's failure."""
    runs = [
        (name, run) for name, run in result["nbgrader"].items() if isinstance(run, dict) and "status" in run
    ]
    runs += [
        (f"{name}/{who}", run)
        for name in ("fetch", "submit")
        for who, run in result["nbgrader"][name].items()
    ]
    for lang, graded in result["grade"].items():
        runs += [(f"grade/{lang}/{name}", run) for name, run in graded.items() if isinstance(run, dict)]
    runs.append(("release", result["release"]))
    for name, run in runs:
        expected = 1 if name.endswith("/rerun") else 0
        if run["status"] != expected:
            output = "\n".join(run["output"][-30:])
            raise UnexpectedRun(f"{name}: exit status {run['status']}, not {expected}:\n{output}")


def recording() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="keras-course-guide-") as tmp:
        shell = Shell(Path(tmp))
        started = time.perf_counter()
        result: dict[str, Any] = {
            "versions": versions(),
            "as_root": os.geteuid() == 0 if hasattr(os, "geteuid") else False,
            "cores": os.cpu_count(),
            "class": [
                [student, plan if isinstance(plan, str) else list(plan)] for student, plan in CLASS.items()
            ],
            "absent": ABSENT,
            "mistakes": mistakes_shown(),
            "nbgrader": nbgrader_round(shell),
        }
        result["grade"] = {lang: grade_round(shell, lang) for lang in ("ko", "en")}
        result["release"] = shell.run("keras-course release ~/learner-release")
        result["seconds"] = round(time.perf_counter() - started)
        expect_statuses(result)
        shutil.rmtree(tmp, ignore_errors=True)  # files the graded children left read-only
    return result


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python -m sitegen.site_instructor OUT.json")
    Path(argv[0]).write_text(json.dumps(recording(), ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
