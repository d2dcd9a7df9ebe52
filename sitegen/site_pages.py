"""Generated parts of the course site: code includes, console output, tables and figures.

The pages in docs/ko and docs/en are written by hand; every number, table, console text and line of
code they show is included from docs/_snippets/generated/ (pymdownx.snippets sections), which this
module writes from its one source: solutions/ and exercises/ (code, by line range), the check library
and manifest (tables, hints), autograder/calibration.json (threshold), real runs recorded by
sitegen/recordings.py (console output, figures), the instructor guide's parts (sitegen/instructor_page.py)
and the words of both languages (docs/_snippets/words.yml). Registered in sitegen/build.py's targets().
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from autograder.authoring.release import python_range
from autograder.core.steps import LANGUAGES, STEPS
from sitegen import instructor_page, recordings, site_font, site_network
from sitegen.markdown import (
    document,
    fence,
    include,
    main_block_range,
    section,
    solution_ranges,
    table,
)
from sitegen.recordings import (
    DOCS,
    EXPERIMENTS_JSON,
    GENERATED,
    GLOSSARY,
    INSTALL_SIZES,
    LEARNER_JSON,
    REFERENCE_JSON,
    ROOT,
    Stamped,
    load,
)
from sitegen.step_pages import checks_of, command, from_summary, hint_output, printed, step_page
from sitegen.words import words


def code_page() -> str:
    parts = []
    for step in STEPS:
        solution = f"solutions/{step.filename}"
        source = (ROOT / solution).read_text(encoding="utf-8")
        body = include(solution, solution_ranges(source))
        parts.append(section(f"step{step.number}-solution", fence(body, "python", solution)))
        exercise = f"exercises/{step.filename}"
        parts.append(section(f"step{step.number}-exercise", fence(include(exercise), "python", exercise)))
        exercise_source = (ROOT / exercise).read_text(encoding="utf-8")
        main = include(exercise, [main_block_range(exercise_source)])
        parts.append(section(f"step{step.number}-main", fence(main, "python", exercise)))
    return document(*parts)


def steps_table(lang: str) -> str:
    w = words("pages", lang)
    rows = []
    for step in STEPS:
        checks = checks_of(step.number)
        public = sum(not c.hidden for c in checks)
        cell = w["checks_cell"].format(
            public=public, hidden=len(checks) - public, points=sum(c.points for c in checks)
        )
        functions = ", ".join(f"`{name}()`" for name in step.functions)
        link = f"[{step.number}. {step.title[lang]}](step{step.number}.md)"
        rows.append([link, words("step_does", lang)[step.number], functions, cell])
    return table([w["step_col"], w["does"], w["function"], w["checks_col"]], rows)


def network(lang: str) -> str:
    """The 1 → 5 → 3 → 1 network, drawn at build time as inline SVG (site_network.py): no
    diagram script to load, text readable on a phone, and a text alternative."""
    return site_network.network_svg(lang)


# --- seeded experiments (sitegen/site_experiments.py): rows and outputs, the same in both languages --


def convergence_rows(rows: list[dict[str, Any]]) -> str:
    """Rows of step 5's table (the page writes its header): epochs, W, B, loss, the three predictions."""
    lines = []
    for row in rows:
        predictions = " | ".join(f"{v:.3f}" for v in row["prediction"])
        lines.append(
            f"| {row['epochs']} | {row['W']:.4f} | {row['B']:.4f} | {row['loss']:.3g} | {predictions} |"
        )
    return "\n".join(lines)


def rank_trap_rows(trap: dict[str, Any]) -> str:
    """Rows of step 5's table: the method called first, then each method with inputs of the other rank.
    A cell shows ✓ (worked) or ✗ and the error, once when both orders (1-D first, 2-D first) agree."""
    from sitegen.site_experiments import METHODS

    def outcome(call: dict[str, Any]) -> str:
        return "✓" if call["raised"] is None else f"✗ `{call['raised']}`"

    lines = []
    for first in METHODS:
        cells = []
        for second in METHODS:
            calls = [c for c in trap["calls"] if c["first"] == first and c["second"] == second]
            shown = {outcome(c) for c in calls}
            if len(shown) == 1:
                cells.append(shown.pop())
            else:
                cells.append("<br>".join(f"{' → '.join(c['order'])}: {outcome(c)}" for c in calls))
        lines.append(f"| `{first}` | {' | '.join(cells)} |")
    return "\n".join(lines)


def experiments_page() -> str:
    data = load(EXPERIMENTS_JSON)
    trap = data["rank_trap"]
    expands = trap["expands"]
    parts = [
        section("convergence-rows", convergence_rows(data["convergence"])),
        section("rank-trap-rows", rank_trap_rows(trap)),
        section(
            "expands",
            fence(
                expands["lines"],
                "python",
                f"{expands['file']}:{expands['line']} (Keras {data['versions']['keras']})",
            ),
        ),
    ]
    for name, lines in data["try"].items():
        parts.append(section(name, fence(lines, "text", f".venv/bin/python exercises/{name}.py")))
    return document(*parts)


# --- the glossary (docs/_snippets/glossary.yml) ---------------------------------------------------------


def glossary_terms() -> list[dict[str, Any]]:
    import yaml

    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))


def term_id(term: dict[str, Any]) -> str:
    """A term's anchor on the glossary page, the same in both languages (glossary.md#learning-rate):
    its English word, lower case, with a hyphen for each run of other characters."""
    return re.sub(r"[^a-z0-9]+", "-", term["en"].lower()).strip("-")


def _glossary_entry(term: dict[str, Any], lang: str) -> list[str]:
    """A term as <dt> (the word, the other language's, the code) and <dd> (its meaning, other names)."""
    other = "en" if lang == "ko" else "ko"
    code = f" (`{term['code']}`)" if term.get("code") else ""
    word = f'**{term[lang]}** · <span lang="{other}">{term[other]}</span>{code}'
    meaning = [term[f"{lang}_means"]]
    if term.get(f"also_{lang}"):
        also = words("pages", lang)["glossary_also"]
        meaning += ["", f"{also}: {', '.join(term[f'also_{lang}'])}"]
    return [
        f'<dt id="{term_id(term)}" data-step="{term["step"]}" markdown="span">{word}</dt>',
        '<dd markdown="block">',
        *meaning,
        "</dd>",
    ]


def glossary_rows(lang: str) -> str:
    """The terms, by the step that explains them (a heading per step, linked to it), in
    glossary.yml's order within a step: a definition list, which a phone's width does not squeeze."""
    parts = []
    for step in STEPS:
        terms = [term for term in glossary_terms() if term["step"] == step.number]
        heading = (
            f"## [{step.number}. {step.title[lang]}](step{step.number}.md) {{ #terms-step{step.number} }}"
        )
        entries = [line for term in terms for line in _glossary_entry(term, lang)]
        parts.append("\n".join([heading, "", '<dl class="glossary" markdown>', *entries, "</dl>"]))
    return "\n\n".join(parts)


def keras2_errors(lang: str) -> str:
    """Keras 2 habits and beginners' mistakes, the error Keras 3 gives and the advice `check` gives for
    it: the same table (autograder.checks.diagnosis) the checker reads."""
    from autograder.checks.diagnosis import CAUSES

    w = words("pages", lang)
    rows = [
        [
            f"`{cause.example}`",
            f"`{cause.error}: {cause.sample}`",
            cause.sample_advice()[lang],
            f"[{w['step_n'].format(n=cause.step)}](step{cause.step}.md)",
        ]
        for cause in sorted(CAUSES, key=lambda c: c.step)
    ]
    return table([w["habit_wrote"], w["habit_error"], w["habit_fix"], w["step"]], rows)


def glossary_page(lang: str) -> str:
    return document(section("terms", glossary_rows(lang)), section("keras2-errors", keras2_errors(lang)))


def check_time(lang: str) -> str:
    """How long `keras-course check` takes, from the recorded run (site_capture.check_timings)."""
    return words("pages", lang)["check_time"].format(**load(LEARNER_JSON)["timings"])


def home_page(lang: str) -> str:
    return document(
        section("network", network(lang)),
        section("steps", steps_table(lang)),
        section("check-time", check_time(lang)),
    )


def files_table(lang: str) -> str:
    w = words("pages", lang)
    rows = [
        [
            f"{step.number}. {step.title[lang]}",
            f"`exercises/{step.filename}`",
            ", ".join(f"`{f}()`" for f in step.functions),
        ]
        for step in STEPS
    ]
    return table([w["step_col"], w["file"], w["function"]], rows)


def _megabytes(size: int) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"


def sizes_table(lang: str) -> str:
    """What installing costs, as measured by sitegen/install_sizes.py (docs/_snippets/install_sizes.json)."""
    w = words("sizes", lang)
    if not INSTALL_SIZES.exists():
        return w["not_measured"]
    sizes = json.loads(INSTALL_SIZES.read_text(encoding="utf-8"))
    rows = []
    for name in ("learner", "repository"):
        measured = sizes[name]
        cells = [str(measured["packages"]), _megabytes(measured["download_bytes"])]
        rows.append([w[name], *cells, _megabytes(measured["installed_bytes"])])
    learner = sizes["learner"]
    (wheel,) = learner["tensorflow_wheel"].values()
    tensorflow = _megabytes(learner["tensorflow_installed_bytes"])
    rows.append([w["wheel"].format(name=sizes["tensorflow"]), "1", _megabytes(wheel), tensorflow])
    table_ = table([w["what"], w["packages"], w["download"], w["installed"]], rows)
    return table_ + "\n\n" + w["measured"].format(**sizes)


def python_versions(lang: str) -> str:
    w = words("sizes", lang)
    if not INSTALL_SIZES.exists():
        return w["not_measured"]
    sizes = json.loads(INSTALL_SIZES.read_text(encoding="utf-8"))
    pythons = sizes["tensorflow_pythons"]
    shown = f"{pythons[0]}–{pythons[-1]}" if len(pythons) > 1 else ", ".join(pythons)
    specifier = sizes["requires_python"]
    requires = python_range(specifier)
    if specifier.startswith(">=") and "," not in specifier:
        requires = w["or_newer"].format(version=specifier[2:])
    return w["pythons"].format(
        requires=requires, specifier=specifier, tensorflow=sizes["tensorflow"], pythons=shown
    )


def setup_page(lang: str) -> str:
    reference, learner = load(REFERENCE_JSON), load(LEARNER_JSON)
    logs = reference["tensorflow_log"]
    return document(
        section("sizes", sizes_table(lang)),
        section("python-versions", python_versions(lang)),
        section("watch-ready", words("pages", lang)["watch_ready"].format(**learner["timings"])),
        section("files", files_table(lang)),
        section("stub", fence(learner["stub"]["1"]["text"][lang], "text", command("check --step 1", lang))),
        section(
            "all-pass",
            fence(from_summary(learner["solution"]["all"][lang], lang), "text", command("check", lang)),
        ),
        section("hint", fence(hint_output(1, lang), "text", command("hint 1", lang), wrap=True)),
        section("tensorflow-log", printed(logs["default"], lang)),
        section("tensorflow-log-min", printed(logs["min_log_level"], lang)),
        section("tensorflow-log-quiet", printed(logs["quiet"], lang)),
        section(
            "versions",
            f"Keras {reference['versions']['keras']}, TensorFlow {reference['versions']['tensorflow']}",
        ),
    )


PAGES: dict[str, Callable[[str], str]] = {
    "home": home_page,
    "setup": setup_page,
    **{f"step{step.number}": partial(step_page, step.number) for step in STEPS},
    "instructor": instructor_page.instructor_page,
    "glossary": glossary_page,
}


def targets() -> dict[Path, Callable[[], str | Stamped]]:
    """Every generated file of the site, slow captures first (the rest is made from them)."""
    made: dict[Path, Callable[[], str | Stamped]] = {
        REFERENCE_JSON: recordings.reference_target,
        LEARNER_JSON: recordings.learner_target,
        recordings.INSTRUCTOR_JSON: recordings.instructor_target,
        recordings.SIZING_JSON: recordings.sizing_target,
        EXPERIMENTS_JSON: recordings.experiments_target,
        GENERATED / "code.md": code_page,
        GENERATED / "experiments.md": experiments_page,
    }
    for lang in LANGUAGES:
        for name in PAGES:
            made[GENERATED / lang / f"{name}.md"] = partial(PAGES[name], lang)
        for figure in ("loss_curve", "fitted_line"):
            made[DOCS / lang / "figures" / f"{figure}.png"] = partial(recordings.figure_target, figure, lang)
    for face in site_font.FACES:
        made[face.path] = partial(recordings.font_target, face)
    for lang in LANGUAGES:  # the guide's recorded class report, as `grade` wrote it
        made[DOCS / lang / "downloads" / "class-report.html"] = partial(recorded_report, lang)
    return made


def recorded_report(lang: str) -> str:
    """The report.html of the guide's recorded `keras-course grade` run, marked as generated."""
    page = recordings.load(recordings.INSTRUCTOR_JSON)["grade"][lang]["report"]
    doctype, rest = page.split("\n", 1)
    mark = "<!-- Generated by `make build` from the recorded run in docs/_snippets/generated/instructor.json. -->"
    return f"{doctype}\n{mark}\n{rest}"
