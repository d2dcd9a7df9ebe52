"""The instructor guide's generated parts (docs/_snippets/generated/*/instructor.md): every check and
its points, the calibration behind step 4's threshold, the sandbox's limits, the layout of the course's
files (from each package's `__init__` docstring), and the recorded nbgrader and `keras-course grade`
runs (sitegen/site_instructor.py) with their timings, and what grading costs (sitegen/site_sizing.py)."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

from autograder.authoring import layout
from autograder.core import spec
from autograder.core.steps import STEPS
from sitegen import recordings
from sitegen.markdown import document, fence, indent, section, table
from sitegen.step_pages import checks_of
from sitegen.words import words

# --- what is where: the layout, as each folder declares it, and what the learners' release holds ----


def layout_table(lang: str, package: Path = layout.PACKAGE) -> str:
    """A row per path of words.yml's `layout`, which must name every folder of the package (with an
    `__init__.py`) and only paths that exist; the last column is what `keras-course release` writes."""
    g, described = words("guide", lang), words("layout", lang)
    root = package.parent
    folders = {f"{p.folder.relative_to(root).as_posix()}/" for p in layout.packages(package)}
    undescribed = sorted(folders - set(described))
    if undescribed:
        raise ValueError(f"docs/_snippets/words.yml: `layout` has no row for {', '.join(undescribed)}")
    missing = [path for path in described if not (root / path).exists()]
    if missing:
        raise ValueError(f"docs/_snippets/words.yml: `layout` names paths that do not exist: {missing}")
    rows = [[f"`{path}`", text, _released(root / path, root, g)] for path, text in described.items()]
    return table([g["path"], g["holds"], g["released"]], rows)


@functools.cache
def _release_files() -> frozenset[str]:
    """The files `keras-course release` writes, relative to the release as to the repository."""
    from autograder.authoring.release import write_release

    with tempfile.TemporaryDirectory() as temporary:
        out = Path(temporary) / "release"
        return frozenset(p.relative_to(out).as_posix() for p in write_release(out))


def _released(path: Path, root: Path, g: dict[str, str]) -> str:
    """✓ when the release holds the path (a package folder: all its own modules), – when nothing of it,
    else the modules it holds."""
    prefix = path.relative_to(root).as_posix()
    shipped = sorted(f for f in _release_files() if f == prefix or f.startswith(prefix + "/"))
    if not shipped:
        return "–"
    if not (path / "__init__.py").exists():
        return "✓"
    own = {p.relative_to(root).as_posix() for p in path.glob("*.py")}
    held = [f.rsplit("/", 1)[-1] for f in shipped if f in own and not f.endswith("/__init__.py")]
    if own <= set(shipped):
        return "✓"
    return g["released_some"].format(files=", ".join(f"`{name}`" for name in held))


def all_checks_table(lang: str) -> str:
    """Every check, public and hidden, with its points (the instructor's view); ids name the step."""
    w = words("pages", lang)
    rows = [
        [f"`{c.id}`", w["hidden" if c.hidden else "public"], c.title[lang], c.expected[lang], str(c.points)]
        for c in checks_of()
    ]
    rows.append([f"**{w['total']}**", "", "", "", f"**{sum(c.points for c in checks_of())}**"])
    return table([w["check"], w["kind"], w["passes_when"], w["expected"], w["points"]], rows)


def calibration(lang: str) -> str:
    w = words("pages", lang)
    if not recordings.CALIBRATION_JSON.exists():
        return w["not_calibrated"].format(threshold=spec.LOSS_THRESHOLD, seed=spec.GRADER_SEED)
    data = json.loads(recordings.CALIBRATION_JSON.read_text(encoding="utf-8"))
    measured = ", ".join(f"{k} {v}" for k, v in data["measured_with"].items() if k in ("tensorflow", "keras"))
    head = w["threshold"].format(
        threshold=data["threshold"], seed=data["grader_seed"], seeds=data["seeds"], measured=measured
    )
    margins = w["margins"].format(ref=data["margin_reference"], untrained=data["margin_untrained"])
    at_seed = data.get("grader_seed_losses", {})
    rows = []
    for name, stats in data["variants"].items():
        loss = at_seed.get(name)
        cells = [_number(stats.get(key)) for key in ("median", "p90", "max")]
        rows.append(
            [
                w.get(name, name),
                _number(loss),
                str(stats["n"]),
                str(stats["nan"]),
                *cells,
                f"{stats['pass_rate']:.1%}",
            ]
        )
    header = [w["variant"], w["loss_at_seed"], "n", "nan", w["median"], "p90", "max", w["pass_rate"]]
    return f"{head}\n\n{margins}\n\n{table(header, rows)}"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3g}"


def help_output(*args: str) -> list[str]:
    """`keras-course ARGS --help` as printed in a 100-column terminal (argparse reads COLUMNS)."""
    from autograder import cli

    buffer = io.StringIO()
    with mock.patch.dict(os.environ, {"COLUMNS": "100"}), contextlib.redirect_stdout(buffer):
        with contextlib.suppress(SystemExit):
            cli.main([*args, "--help"])
    return buffer.getvalue().splitlines()


def _instructor() -> dict[str, Any]:
    return recordings.load(recordings.INSTRUCTOR_JSON)


def shown(run: dict[str, Any], lang: str, note: str | None = None) -> str:
    """A command as typed (copyable) and what it printed (wrapped as a terminal wraps it)."""
    output = run["output"] if run["output"] else [words("pages", lang)["nothing"]]
    table_drawn = any(line.startswith(("┏", "┌")) for line in output)  # a rich table must not be folded
    title = note or words("guide", lang)["output"]
    return fence(run["command"], "bash") + "\n\n" + fence(output, "text", title, wrap=not table_drawn)


def collapsed(run: dict[str, Any], lang: str) -> str:
    """A command, and its long output folded away (open it to read every line)."""
    body = fence(run["output"], "text", wrap=True)
    title = words("guide", lang)["full_output"].format(n=len(run["output"]))
    return fence(run["command"], "bash") + f'\n\n??? example "{title}"\n\n{indent(body)}\n'


def abridged(run: dict[str, Any], lang: str, head: int, tail: int) -> str:
    lines = run["output"]
    kept = lines if len(lines) <= head + tail else [*lines[:head], "…", *lines[-tail:]]
    return shown({**run, "output": kept}, lang, words("guide", lang)["abridged"].format(n=len(lines)))


def validate_failed(run: dict[str, Any], lang: str) -> str:
    """`nbgrader validate` on a notebook with mistakes: its first failed cell, then the exit status."""
    separators = [i for i, line in enumerate(run["output"]) if line.startswith("=====")]
    head = separators[1] if len(separators) > 1 else len(run["output"])
    return abridged(run, lang, head, 1)


JSON_STUDENTS, JSON_CHECKS, JSON_MESSAGES = ("junho", "hyunwoo"), 3, 1  # what the grades.json excerpt shows


def grades_json_excerpt(grades: dict[str, Any], lang: str) -> str:
    """grades.json as written, with two students and a few of their checks and messages (the rest is alike)."""
    students = {}
    for student in JSON_STUDENTS:
        row = dict(grades["students"][student])
        row["checks"] = dict(list(row["checks"].items())[:JSON_CHECKS]) | {"…": "…"}
        if len(row.get("messages", {})) > JSON_MESSAGES:
            row["messages"] = dict(list(row["messages"].items())[:JSON_MESSAGES]) | {"…": "…"}
        students[student] = row
    text = json.dumps({**grades, "students": students}, ensure_ascii=False, indent=1)
    checks = len(next(iter(grades["students"].values()))["checks"])
    note = words("guide", lang)["json_note"].format(
        n=checks, shown=JSON_CHECKS, students=len(grades["students"])
    )
    return fence(text, "json", "grades/grades.json") + f"\n\n{note}"


def export_totals(run: dict[str, Any]) -> dict[str, str]:
    import csv

    rows = csv.DictReader(run["output"])
    return {row["student_id"]: f"{float(row['score']):g}" for row in rows}


def class_table(lang: str, recording: dict[str, Any]) -> str:
    """The sample class: what each student handed in and the totals both graders gave."""
    g = words("guide", lang)
    nbgrader = export_totals(recording["nbgrader"]["export_csv"])
    grades = json.loads(recording["grade"][lang]["json"])
    graded, maximum = grades["students"], sum(grades["steps"].values())
    rows = []
    for student, plan in [*recording["class"], (recording["absent"], None)]:
        if isinstance(plan, list):
            mistakes = recording["mistakes"]
            what = "<br>".join(
                g["mistake"].format(step=mistakes[m]["step"], title=mistakes[m]["title"][lang]) for m in plan
            )
        else:
            what = g[plan] if plan else g["absent"]
        by_nbgrader = nbgrader.get(student) or "–"
        by_grade = f"{graded[student]['total']}" if student in graded else "–"
        if student in graded and graded[student]["status"] == "failed":
            by_grade += f" ({graded[student]['status']})"
        rows.append([f"`{student}`", what, by_nbgrader, by_grade])
    header = [g["student"], g["submitted"], g["nbgrader_total"], g["grade_total"]]
    return table(header, rows) + "\n\n" + g["full_marks"].format(n=maximum)


def timings_table(lang: str, recording: dict[str, Any]) -> str:
    g, n = words("guide", lang), len(recording["class"])
    rows = [
        [g["validate"], recording["nbgrader"]["validate_pass"]["seconds"]],
        [g["autograde"].format(n=n), recording["nbgrader"]["autograde"]["seconds"]],
        [g["grade"].format(n=n), recording["grade"][lang]["grade"]["seconds"]],
        [g["rerun"], recording["grade"][lang]["rerun"]["seconds"]],
        [g["whole"], recording["seconds"]],
    ]
    seconds = g["seconds_unit"]
    return table([g["command"], g["seconds"]], [[name, f"{value:.0f} {seconds}"] for name, value in rows])


def limits_table(lang: str) -> str:
    """The sandbox's limits per child, from autograder.sandbox.child.contract.Limits and each step's time limit."""
    from autograder.sandbox.child.contract import Limits

    g, limits = words("guide", lang), Limits()
    by_time: dict[float, list[str]] = {}
    for step in STEPS:
        by_time.setdefault(step.time_limit, []).append(str(step.number))
    times = ", ".join(
        g["time_steps"].format(steps="·".join(numbers), seconds=seconds)
        for seconds, numbers in by_time.items()
    )
    rows = [
        [g["time_step"], times],
        [g["memory"], f"{limits.memory_bytes / 2**30:g} GiB"],
        [g["address_space"], f"{limits.address_space_bytes / 2**30:g} GiB"],
        [g["cpu"], f"{limits.cpu_seconds} s"],
        [g["file_size"], f"{limits.file_bytes / 2**20:g} MiB"],
        [g["work"], f"{limits.work_bytes / 2**20:g} MiB"],
        [g["tmp"], f"{limits.tmp_bytes / 2**20:g} MiB"],
        [g["open_files"], str(limits.open_files)],
        [g["processes"], str(limits.processes)],
    ]
    return table([g["limit"], g["value"]], rows)


# --- sizing: what grading costs, from the recorded benchmark (sitegen/site_sizing.py) ----------------

NODE_CORES = 8  # the node the guide sizes for
CLASS_SIZES = (1_000, 10_000)
NODE_COUNTS = (1, 10, 100)


def sizing(lang: str, measured: dict[str, Any]) -> str:
    """The table of what grading costs, what sharding adds, and the time to grade a large class."""
    from autograder.sandbox.child.contract import Limits

    g, shards = words("guide", lang), measured["shards"]
    per, fixed, workers = shards["per_submission"], shards["fixed"], shards["workers"]
    ratio = shards["shard_cpu"] / shards["one_cpu"]
    intro = g["sizing_measured"].format(**shards)
    if shards["counted_by"] != "cgroup":
        intro += " " + g["rusage_note"]
    rows = [
        [g["per_submission"], g["per_submission_value"].format(value=per)],
        [g["shard_fixed"], g["shard_fixed_value"].format(value=fixed)],
        [g["peak_memory"].format(workers=workers), f"{shards['peak_mib']:.0f} MiB"],
        [g["shards_vs_one"].format(shards=shards["shards"]), g["ratio_value"].format(value=ratio)],
    ]
    per_shard = shards["students"] // shards["shards"]
    enough = math.ceil(fixed / (0.1 * per))  # submissions a shard for a total of 1.1x one run's CPU time
    cost = g["shard_cost"].format(fixed=fixed, per=per, per_shard=per_shard, ratio=ratio, enough=enough)
    estimate = g["time_to_grade"].format(cores=NODE_CORES, tasks=NODE_CORES // 2, fixed=fixed, per=per)
    peak = g["peak_note"].format(
        workers=workers, peak=shards["peak_mib"], step_memory=Limits().memory_bytes / 2**30
    )
    return "\n\n".join(
        [intro, table([g["measured"], g["value"]], rows), cost, estimate, time_table(g, per, fixed), peak]
    )


def time_table(g: dict[str, str], per: float, fixed: float) -> str:
    """Minutes to grade each class size on each number of nodes: a shard per node, all in parallel."""

    def minutes(submissions: int, nodes: int) -> str:
        value = (fixed + math.ceil(submissions / nodes) * per / NODE_CORES) / 60
        return g["minutes"].format(value=f"{value:.1f}" if value < 10 else f"{value:.0f}")

    header = [g["submissions"], *(g["one_node"] if n == 1 else g["nodes"].format(n=n) for n in NODE_COUNTS)]
    return table(header, [[f"{size:,}", *(minutes(size, n) for n in NODE_COUNTS)] for size in CLASS_SIZES])


def pace(lang: str, measured: dict[str, Any]) -> str:
    """How long one computer takes per submission, in the sizing run's one grading run."""
    shards = measured["shards"]
    seconds = shards["one_wall"] / shards["students"]
    return words("guide", lang)["pace"].format(seconds=seconds, wall=shards["one_wall"], **shards)


def grappler_note(lang: str, measured: dict[str, Any]) -> str:
    return "- " + words("guide", lang)["grappler"].format(**measured["grappler"])


def recorded_note(lang: str, recording: dict[str, Any]) -> str:
    g = words("guide", lang)
    user = g["root"] if recording["as_root"] else g["user"]
    return g["recorded"].format(user=user, cores=recording["cores"], **recording["versions"])


LEARNER_ENV = "~/keras-course-env"  # the learner's virtual environment in the guide's command


def learner_install(recording: dict[str, Any]) -> str:
    """What a learner of the nbgrader route runs: the wheel the recorded `release` built (with JupyterLab)
    and nbgrader at the version range the course's own extra pins, in one virtual environment."""
    import tomllib

    from packaging.requirements import Requirement

    wheel = next(line.strip() for line in recording["release"]["output"] if line.strip().endswith(".whl"))
    pyproject = tomllib.loads((layout.PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    extra = pyproject["project"]["optional-dependencies"]["nbgrader"]
    nbgrader = next(r for r in extra if Requirement(r).name == "nbgrader")
    commands = [
        f"python3 -m venv {LEARNER_ENV}",
        f'{LEARNER_ENV}/bin/pip install "{wheel.rsplit("/", 1)[-1]}[notebook]" "{nbgrader}"',
        f"source {LEARNER_ENV}/bin/activate",
    ]
    return fence(commands, "bash")


def instructor_page(lang: str) -> str:
    recording, measured = _instructor(), recordings.load(recordings.SIZING_JSON)
    nb, graded = recording["nbgrader"], recording["grade"][lang]
    return document(
        section("layout", layout_table(lang)),
        section("checks", all_checks_table(lang)),
        section("calibration", calibration(lang)),
        section("grade-help", fence(help_output("grade"), "text", "keras-course grade --help")),
        section("recorded", recorded_note(lang, recording)),
        section("class", class_table(lang, recording)),
        section("nb-init", shown(nb["init"], lang)),
        section("nb-students", shown(nb["students"], lang)),
        section("nb-generate", shown(nb["generate"], lang)),
        section("nb-release", shown(nb["release"], lang)),
        section("nb-fetch", shown(nb["fetch"]["minji"], lang)),
        section("nb-validate-pass", shown(nb["validate_pass"], lang)),
        section("nb-validate-fail", validate_failed(nb["validate_fail"], lang)),
        section("nb-submit", shown(nb["submit"]["minji"], lang)),
        section("nb-collect", shown(nb["collect"], lang)),
        section("nb-autograde", collapsed(nb["autograde"], lang)),
        section("nb-autograde-end", fence(nb["autograde"]["output"][-3:], "text", wrap=True)),
        section("nb-generate-feedback", collapsed(nb["generate_feedback"], lang)),
        section("nb-release-feedback", shown(nb["release_feedback"], lang)),
        section(
            "nb-feedback-cell", fence(nb["feedback_cell"], "text", "feedback/junho/keras01/keras01.html")
        ),
        section("nb-export", shown(nb["export"], lang)),
        section("nb-export-csv", shown(nb["export_csv"], lang)),
        section("grade-run", shown(graded["grade"], lang)),
        section("grade-rerun", shown(graded["rerun"], lang)),
        section("grade-files", shown(graded["files"], lang)),
        section("grade-csv", shown(graded["csv"], lang)),
        section("grade-json", grades_json_excerpt(json.loads(graded["json"]), lang)),
        section("grade-feedback", collapsed(graded["feedback"], lang)),
        section("grade-export", shown(graded["export"], lang)),
        section("limits", limits_table(lang)),
        section("timings", timings_table(lang, recording)),
        section("sizing", sizing(lang, measured)),
        section("pace", pace(lang, measured)),
        section("grappler", grappler_note(lang, measured)),
        section("release-run", shown(recording["release"], lang)),
        section("learner-install", learner_install(recording)),
    )
