"""The step pages' generated parts (docs/_snippets/generated/*/step1.md … step5.md): what the step's
code prints, in Keras 3 and as the Keras 2 tutorial wrote it, the checker's output on the stub, on the
answer and on typical mistakes, the first hint, the step's public checks, and the facts of the seeded
reference run (parameter table, loss, learned line, the `predict` trap)."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import tempfile
from typing import Any
from unittest import mock

from autograder.core import spec
from autograder.core.steps import STEP_BY_NUMBER
from sitegen import recordings
from sitegen.markdown import document, fence, indent, section, signature_end, table
from sitegen.recordings import LEARNER_JSON, REFERENCE_JSON, ROOT, load
from sitegen.words import words

# --- the check library as tables --------------------------------------------------------------------


def checks_of(step: int | None = None) -> list[Any]:
    """Every check, public and hidden, or a step's; the registry is imported only when a page needs it."""
    from autograder.checks.registry import all_checks

    return [c for c in all_checks(include_hidden=True) if step is None or c.step == step]


def check_table(step: int, lang: str) -> str:
    """The public checks of a step, as learners see them when they pass, with what each expects."""
    w = words("pages", lang)
    rows = [
        [f"`{c.id}`", c.title[lang], c.expected[lang], str(c.points)] for c in checks_of(step) if not c.hidden
    ]
    hidden = [c for c in checks_of(step) if c.hidden]
    points = sum(c.points for c in hidden)
    plural = {  # the English note's words (the Korean has no plural)
        "checks": "check" if len(hidden) == 1 else "checks",
        "points_word": "point" if points == 1 else "points",
    }
    note = w["hidden_note"].format(n=len(hidden), points=points, **plural) if hidden else w["no_hidden"]
    return table([w["check"], w["passes_when"], w["expected"], w["points"]], rows) + "\n\n" + note


def params_table(lang: str, model: dict[str, Any]) -> str:
    """Parameters per layer: the formula from spec.py next to what Keras counted in a real run."""
    w = words("pages", lang)
    sizes, counted = (spec.INPUT_DIM, *spec.UNITS), [layer["params"] for layer in model["layers"]]
    if counted != spec.layer_param_counts():
        raise ValueError(f"Keras counted {counted}, spec.py says {spec.layer_param_counts()}")
    rows = []
    for layer, n_in, n_out in zip(model["layers"], sizes, sizes[1:]):
        shape = "(" + ", ".join(str(d) for d in layer["output_shape"]) + ")"
        rows.append(
            [f"`{layer['name']}` (Dense)", f"`{shape}`", f"{n_in} × {n_out} + {n_out}", str(layer["params"])]
        )
    total = " + ".join(map(str, counted))
    rows.append([f"**{w['total']}**", "", total, f"**{model['count_params']}**"])
    return table([w["layer"], w["output_shape"], w["how"], w["params"]], rows)


# --- console output --------------------------------------------------------------------------------


def command(args: str, lang: str) -> str:
    return f".venv/bin/keras-course {args}{' --lang en' if lang == 'en' else ''}"


def from_summary(lines: list[str], lang: str) -> list[str]:
    """A `keras-course check` run from its summary line ("5 of 5 steps passed …") to its end: the pass
    line and the note under it, not the last line alone (a wrapped line cut in half)."""
    from autograder.checks.report import SUMMARY

    pattern = re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(SUMMARY[lang])))
    starts = [i for i, line in enumerate(lines) if pattern.fullmatch(line.strip())]
    if not starts:
        raise ValueError(f"no summary line ({SUMMARY[lang]!r}) in the recorded run")
    return lines[starts[-1] :]


def hint_output(step: int, lang: str) -> list[str]:
    """`keras-course hint N` as a learner sees it the first time: the first hint (a fresh state)."""
    from autograder import cli

    buffer = io.StringIO()
    with tempfile.TemporaryDirectory() as state, contextlib.redirect_stdout(buffer):
        with mock.patch.dict(os.environ, {"XDG_STATE_HOME": state}):  # a fresh state: the first hint
            cli.main(["hint", str(step), "--lang", lang])
    return buffer.getvalue().splitlines()


def run_output(step: int, reference: dict[str, Any]) -> list[str]:
    main = reference["mains"][str(step)]
    return main["stdout"] + main["warnings"]


def mistake_code(step: int, bodies: dict[str, str]) -> str:
    """The wrong function as the learner wrote it: its `def` line and the wrong body."""
    source = (ROOT / "solutions" / STEP_BY_NUMBER[step].filename).read_text(encoding="utf-8")
    lines, functions = source.splitlines(), {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = "\n".join(lines[node.lineno - 1 : signature_end(node, node.lineno + 1)])
    return "\n\n".join(f"{functions[name]}\n{indent(body)}" for name, body in bodies.items())


def mistakes(step: int, lang: str, learner: dict[str, Any]) -> str:
    from sitegen.site_capture import MISTAKES

    blocks = []
    for mistake in (m for m in MISTAKES if m.step == step):
        result = learner["mistakes"][f"{step}.{mistake.id}"]
        body = fence(mistake_code(step, mistake.bodies), "python") + "\n\n"
        body += fence(result["text"][lang], "text", command(f"check --step {step}", lang))
        blocks.append(f'??? failure "{mistake.title[lang]}"\n\n{indent(body)}\n')
    return "\n".join(blocks)


# --- one generated file per page and language --------------------------------------------------------

# The tutorial's sections (docs/_snippets/keras2_tutorial.py) that each step shows.
TUTORIAL_SECTIONS = {1: ("data",), 2: ("model",), 3: ("compile",), 4: ("fit",), 5: ("evaluate", "predict")}


def keras2_output(step: int, reference: dict[str, Any]) -> list[str]:
    """What the tutorial's own code of this step prints when run under Keras 3."""
    lines: list[str] = []
    for name in TUTORIAL_SECTIONS[step]:
        ran = reference["keras2"]["sections"][name]
        lines += ran["warnings"] + ran["stdout"]
    return lines


def printed(lines: list[str], lang: str) -> str:
    """What a run printed, as a block; a line saying so where it printed nothing (no empty block)."""
    return fence(lines, "text", wrap=True) if lines else f"*{words('pages', lang)['nothing']}*"


def sgd_often(lang: str) -> str:
    """How often plain SGD diverges on this data: its row of the calibration (autograder/calibration.json)."""
    calibration = json.loads(recordings.CALIBRATION_JSON.read_text(encoding="utf-8"))
    sgd = calibration["variants"]["sgd"]
    return words("pages", lang)["sgd_often"].format(n=sgd["n"], nan=sgd["nan"])


def _model_extras(lang: str, reference: dict[str, Any]) -> list[str]:
    """Step 2: the parameter table, summary() with and without an input, Keras 2's warning."""
    model = reference["model"]
    unbuilt = fence(model["summary_without_input"], "text", "model.summary()")
    warning = reference["keras2"]["sections"]["model"]["warnings"]
    return [
        section("params", params_table(lang, model)),
        section("summary", fence(model["summary"], "text", "model.summary()")),
        section("summary-without-input", unbuilt),
        section("keras2-warning", fence(warning, "text", wrap=True)),
    ]


def _compile_extras(lang: str, reference: dict[str, Any]) -> list[str]:
    """Step 3: how often plain SGD diverges."""
    return [section("sgd", sgd_often(lang))]


def _train_extras(lang: str, reference: dict[str, Any]) -> list[str]:
    """Step 4: the training's facts, a typical loss, summary() after fit."""
    w, training = words("pages", lang), reference["training"]
    curve = training["loss_curve"]
    facts = w["history_params"].format(params=json.dumps(training["params"]), **training["params"])
    start_end = w["start_end"].format(start=training["initial_loss"], end=curve[-1], seed=training["seed"])
    after = fence(training["summary_after_fit"], "text", "model.summary()")
    return [
        section("facts", f"{start_end}\n\n{facts}"),
        section("typical", typical_loss(lang)),
        section("after-fit", after + "\n\n" + optimizer_note(lang, training)),
    ]


def _evaluate_extras(lang: str, reference: dict[str, Any]) -> list[str]:
    """Step 5: evaluate's numbers, the predictions and the learned line, Keras 2's predict trap."""
    from sitegen.site_experiments import learned_line

    w, training, keras2 = words("pages", lang), reference["training"], reference["keras2"]
    values = ", ".join(f"{v:.4g}" for v in training["prediction"])
    evaluate = w["evaluate"].format(names=training["metrics_names"], **training["evaluate"])
    line = w["line"].format(**learned_line(training["weights"]))
    error = keras2["then_predict_2d"]  # as Python prints it: type, first line, blank, the reason
    trap = [f"{error['raised']}: {error['lines'][0]}", "", error["lines"][1]]
    return [
        section("facts", f"{evaluate}\n\n{w['prediction'].format(values=values)}\n\n{line}"),
        section("predict-trap", fence(trap, "text")),
        section("metrics-names", fence([repr(keras2["metrics_names"])], "text")),
    ]


# The sections only some steps' pages have, per step; a step in STEPS missing here raises.
STEP_EXTRAS = {
    1: lambda lang, reference: [],
    2: _model_extras,
    3: _compile_extras,
    4: _train_extras,
    5: _evaluate_extras,
}


def step_extras(step: int, lang: str, reference: dict[str, Any]) -> list[str]:
    """Sections only some steps have: the parameter table, the training facts, the traps."""
    return STEP_EXTRAS[step](lang, reference)


def optimizer_note(lang: str, training: dict[str, Any]) -> str:
    """Why summary() counts more after fit, from the optimizer's own variables."""
    variables = training["optimizer_variables"]
    per_weight = sum(size for path, size in variables if path.endswith(("_momentum", "_velocity")))
    scalars = [
        path.rsplit("/", 1)[-1] for path, _ in variables if not path.endswith(("_momentum", "_velocity"))
    ]
    extra = sum(size for _, size in variables)
    return words("pages", lang)["count_after_fit"].format(
        n=training["count_params_after_fit"],
        extra=extra,
        per_weight=per_weight,
        scalars=", ".join(f"`{name}`" for name in scalars),
        n_scalars=len(scalars),
    )


def typical_loss(lang: str) -> str:
    w = words("pages", lang)
    if not recordings.CALIBRATION_JSON.exists():
        return w["untypical"]
    calibration = json.loads(recordings.CALIBRATION_JSON.read_text(encoding="utf-8"))
    stats = calibration["variants"]["reference"]
    return w["typical"].format(seeds=calibration["seeds"], **stats)


def step_page(step: int, lang: str) -> str:
    reference, learner = load(REFERENCE_JSON), load(LEARNER_JSON)
    name = STEP_BY_NUMBER[step].filename
    run = fence(run_output(step, reference), "text", f"python exercises/{name}")
    return document(
        section("output", run),
        section("keras2-output", printed(keras2_output(step, reference), lang)),
        section(
            "stub",
            fence(learner["stub"][str(step)]["text"][lang], "text", command(f"check --step {step}", lang)),
        ),
        section(
            "pass",
            fence(
                learner["solution"][str(step)]["text"][lang], "text", command(f"check --step {step}", lang)
            ),
        ),
        section("hint", fence(hint_output(step, lang), "text", command(f"hint {step}", lang), wrap=True)),
        section("checks", check_table(step, lang)),
        section("mistakes", mistakes(step, lang, learner)),
        *step_extras(step, lang, reference),
    )
