"""The recipe has one home, autograder/core/spec.py. Code and check texts format their numbers from
it; where prose must keep a literal (the seed's code, quoted on the pages and in the notebooks), this
test ties the literal to spec: change spec.EPOCHS and it names every line still saying the old one."""

import re
from pathlib import Path

import pytest

from autograder.core import spec
from autograder.core.steps import STEP_BY_NUMBER
from sitegen.site_experiments import SNAPSHOTS

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("docs", "autograder", "sitegen", "solutions", "exercises", "course", "README.md")
SUFFIXES = {".md", ".py", ".yml", ".ipynb"}
# The original tutorial's Keras 2 code, verbatim: it keeps its own numbers whatever the course's recipe
# (the pages set it beside the course's code and say what differs).
VERBATIM = {"docs/_snippets/keras2_tutorial.py"}
# Try-it experiments that change the recipe on purpose, with no "→" to say so.
EXPERIMENTS = {
    "docs/_snippets/try/try3_sgd.py",  # 3 epochs: plain SGD's nan shows at once
    "docs/_snippets/try/try5_new_line.py",  # 600 epochs: the long run
}
X_NEW = ", ".join(str(v) for v in spec.X_NEW)
# Each recipe literal as prose writes it, and what spec says it must read.
RECIPE = {
    # The course's own fit call (a line with "→" is a try-it variation of it: its comment says from what).
    "fit's settings": (
        re.compile(r"^(?!.*→).*fit\(x, y, epochs=(\d+), batch_size=(\d+)[,)]"),
        (str(spec.EPOCHS), str(spec.BATCH_SIZE)),
    ),
    "a variation's epochs": (re.compile(r"epochs=(\d+) →"), (str(spec.EPOCHS),)),
    "a variation's batch size": (re.compile(r"batch_size=(\d+) →"), (str(spec.BATCH_SIZE),)),
    "the first layer": (
        re.compile(r"Dense\((\d+), input_dim=(\d+)\)"),
        (str(spec.UNITS[0]), str(spec.INPUT_DIM)),
    ),
    "the new inputs": (re.compile(r"predict\(\[([\d, ]+)\]\)"), (X_NEW,)),
}


def text_files() -> list[Path]:
    files = []
    for name in SOURCES:
        path = ROOT / name
        found = [path] if path.is_file() else path.rglob("*")
        files += [f for f in found if f.suffix in SUFFIXES and f.is_file() and "__pycache__" not in f.parts]
    return [f for f in files if f.relative_to(ROOT).as_posix() not in VERBATIM | EXPERIMENTS]


def stale_lines(
    pattern: re.Pattern, expected: tuple[str, ...], files: list[Path], root: Path = ROOT
) -> list[str]:
    """Every line whose literal disagrees with spec, as file:line: text."""
    stale = []
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if any(m.groups() != expected for m in pattern.finditer(line)):
                stale.append(f"{file.relative_to(root)}:{number}: {line.strip()[:120]}")
    return stale


@pytest.mark.parametrize("name", RECIPE)
def test_every_literal_of_the_recipe_agrees_with_spec(name):
    pattern, expected = RECIPE[name]
    files = text_files()
    lines = [line for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    assert any(pattern.search(line) for line in lines)  # the pattern finds what it is about
    stale = stale_lines(pattern, expected, files)
    assert not stale, f"{name}: spec says {expected}; update these lines:\n" + "\n".join(stale)


def test_a_changed_recipe_names_the_lines_to_update(tmp_path):
    page = tmp_path / "step4.md"
    page.write_text("model.fit(x, y, epochs=100, batch_size=1)\nmodel.fit(x, y, epochs=200, batch_size=1)\n")
    pattern, _ = RECIPE["fit's settings"]
    stale = stale_lines(pattern, ("200", "1"), [page], root=tmp_path)
    assert stale == ["step4.md:1: model.fit(x, y, epochs=100, batch_size=1)"]


def test_check_code_spells_no_epochs_of_its_own():
    """The checks, hints and grader format the recipe from spec (as LOSS_THRESHOLD always was)."""
    literal = re.compile(rf"\b{spec.EPOCHS}\b")
    allowed = {"core/spec.py", "core/steps.py"}  # steps.py: numpy-free, tied by the test below
    offenders = [
        f"{f.relative_to(ROOT / 'autograder')}: {line.strip()[:100]}"
        for f in (ROOT / "autograder").rglob("*.py")
        if str(f.relative_to(ROOT / "autograder")) not in allowed
        for line in f.read_text(encoding="utf-8").splitlines()
        if literal.search(line) and ("epoch" in line or "에포크" in line)
    ]
    assert not offenders, "\n".join(offenders)


def test_the_hints_say_the_recipes_numbers():
    """core/steps.py stays numpy-free (the notebook reader's child imports it with -I -S), so its hints
    type the numbers spec holds."""
    step4 = STEP_BY_NUMBER[4]
    assert all(spec.FIT_CALL in step4.hint[lang] for lang in ("ko", "en"))
    assert f"{spec.EPOCHS}번" in step4.nudges[0]["ko"] and f"{spec.EPOCHS} times" in step4.nudges[0]["en"]
    assert spec.BATCH_SIZE == 1  # the nudges say "one at a time" (한 개씩) in words
    assert "한 개씩" in step4.nudges[0]["ko"] and "one sample at a time" in step4.nudges[0]["en"]


# Epoch counts prose may name besides the recipe's: the longer runs step 5 records (SNAPSHOTS), the
# calibration's 10-epoch variant, the SGD try-it's 3 and step 4's what-if exercise (20 epochs).
OTHER_EPOCHS = {*SNAPSHOTS[1:], 10, 3, 20}
PROSE = ("docs/ko", "docs/en", "docs/_snippets/words.yml", "docs/_snippets/glossary.yml", "README.md")
EPOCHS_IN_PROSE = re.compile(r"\b(\d+) ?(?:에포크|epochs?\b)")


def test_prose_names_only_the_recipes_epochs_or_a_recorded_experiments():
    """Change spec.EPOCHS and every sentence about the course's run that still says the old number is
    named (step 5's table starts at the course's own run: SNAPSHOTS[0] is spec.EPOCHS)."""
    assert SNAPSHOTS[0] == spec.EPOCHS
    stale = []
    for name in PROSE:
        path = ROOT / name
        for file in [path] if path.is_file() else sorted(path.rglob("*.md")):
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                counts = {int(n) for n in EPOCHS_IN_PROSE.findall(line)}
                if counts - {spec.EPOCHS, *OTHER_EPOCHS}:
                    stale.append(f"{file.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not stale, f"spec.EPOCHS is {spec.EPOCHS}; update these lines:\n" + "\n".join(stale)
