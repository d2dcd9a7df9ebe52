"""`keras-course dev check` (sitegen/dev_check.py): quiet and TensorFlow-free on the repository, and on a
copy of it with one piece missing or stale, it names that piece with its fix and exits 1."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.core.steps import STEPS, Step
from sitegen import build, dev_check
from sitegen.dev_check import Hook, hook_problems, keyed

ROOT = dev_check.ROOT
BUILD = "run `python -m sitegen.build` (make build)"
NO_TENSORFLOW = (
    "import sys; from sitegen import dev_check; code = dev_check.main(); "
    "loaded = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')]; "
    "print('loaded:', loaded); sys.exit(code)"
)


def test_the_repository_has_every_piece_and_no_tensorflow_is_imported() -> None:
    started = time.monotonic()
    ran = subprocess.run(
        [sys.executable, "-c", NO_TENSORFLOW], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    took = time.monotonic() - started
    assert ran.returncode == 0, ran.stdout + ran.stderr
    summary, loaded = ran.stdout.splitlines()
    assert summary.startswith(f"dev check: {len(STEPS)} steps") and summary.endswith("all present and fresh")
    assert loaded == "loaded: []"
    assert took < 30, f"{took:.1f} s"  # a few seconds alone; this leaves room for a loaded machine


def test_the_command_runs_it_in_the_checkout() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "dev", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.startswith(f"dev check: {len(STEPS)} steps")


# --- on a copy with one piece missing or stale --------------------------------------------------------


@pytest.fixture(scope="module")
def generated() -> list[Path]:
    return [path.relative_to(build.ROOT) for path in build.targets()]


@pytest.fixture
def tree(tmp_path: Path, generated: list[Path]) -> Path:
    """What dev check reads: the step files, docs/, mkdocs.yml and every generated file."""
    for folder in ("solutions", "exercises", "docs"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for relative in [Path("mkdocs.yml"), *generated]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, tmp_path / relative)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def named(tree: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The problems dev check names on the tree, having exited 1."""
    assert dev_check.main(["--root", str(tree)]) == 1
    out, err = capsys.readouterr()
    assert err.startswith(f"dev check: {len(STEPS)} steps") and "problem(s)" in err
    return out.splitlines()


def test_the_copy_has_every_piece(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert dev_check.main(["--root", str(tree)]) == 0  # else the cases below prove nothing


def test_a_deleted_stub_is_named(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "exercises" / "step1_data.py").unlink()
    assert named(tree, capsys) == [f"exercises/step1_data.py: missing: step 1's stub → {BUILD}"]


def test_a_deleted_english_page_is_named(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "docs" / "en" / "step3.md").unlink()
    assert named(tree, capsys) == [
        "docs/en/step3.md: missing: step 3's page (en) → write it in en "
        "(as docs/ko/step3.md; its generated parts: docs/_snippets/generated/en/)"
    ]


def test_a_removed_nav_entry_is_named(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(tree / "mkdocs.yml", "      - 4. 모델 훈련: step4.md\n", "")
    assert named(tree, capsys) == [
        "mkdocs.yml: missing: nav entry of step 4 → add `- 4. 모델 훈련: step4.md` beside the other steps in nav"
    ]


def test_a_solution_missing_a_function_is_named(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(tree / "solutions" / "step5_evaluate.py", "def predict(", "def predict_values(")
    assert named(tree, capsys) == [
        "solutions/step5_evaluate.py: missing: function predict() of step 5 → define `def predict(...)` there"
    ]


def test_a_stub_that_answers_is_named(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(tree / "exercises" / "step3_compile.py", "raise NotImplementedError()", "return model")
    assert named(tree, capsys) == [
        "exercises/step3_compile.py: stale: compile_model() gives the answer (no `# YOUR CODE HERE` raise) "
        f"→ mark the answer in solutions/step3_compile.py with ### BEGIN/END SOLUTION, then {BUILD}"
    ]


def test_a_stale_generated_file_and_missing_words_are_named(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(tree / "exercises" / "step2_model_test.py", "\n", "\n# edited by hand\n")
    edit(tree / "docs" / "_snippets" / "words.yml", "  5:\n", "  6:\n")
    assert named(tree, capsys) == [
        'docs/_snippets/words.yml: missing: step_does of step 5 (ko) → add step_does: 5: ko: "…"',
        'docs/_snippets/words.yml: missing: step_does of step 5 (en) → add step_does: 5: en: "…"',
        "exercises/step2_model_test.py: stale: generated file → "
        f"{BUILD} and commit (`python -m sitegen.build --check` shows the diff)",
    ]


def test_a_hook_table_missing_a_step_or_naming_no_step_is_named() -> None:
    rebuilt = Hook("autograder.sandbox.replay", "the rebuild", keyed("REBUILT"), "an entry {n}")
    assert [str(p) for p in hook_problems((rebuilt,))] == [
        f"autograder/sandbox/replay.py: missing: the rebuild for step {n} → add an entry {n}"
        for n in (1, 4, 5)
    ]
    six = Hook("sitegen.step_pages", "the sections", lambda module: {1, 2, 3, 4, 5, 6}, "")
    assert [str(p) for p in hook_problems((six,))] == [
        "sitegen/step_pages.py: stale: the sections for step 6, which STEPS does not have → remove step 6"
    ]


def test_a_new_step_with_nothing_yet_is_named_piece_by_piece(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sixth entry in STEPS and nothing else: every piece it lacks is named, with no traceback, and
    generated files that cannot be made from the sources yet say so instead of raising."""
    save = Step(
        number=6,
        slug="save",
        module="step6_save",
        functions=("save_and_load",),
        title={"ko": "저장과 불러오기", "en": "Save and load"},
        hint={"ko": "…", "en": "…"},
        time_limit=60,
    )
    monkeypatch.setattr(dev_check, "STEPS", (*dev_check.STEPS, save))

    def unmakeable() -> str:
        raise KeyError(6)

    targets = {ROOT / "docs" / "_snippets" / "generated" / "en" / "step6.md": unmakeable}
    monkeypatch.setattr(build, "targets", lambda: targets)
    assert dev_check.main(["--root", str(tree)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and err.startswith("dev check: 6 steps")
    for piece in (
        "solutions/step6_save.py: missing: step 6's solution",
        "exercises/step6_save.py: missing: step 6's stub",
        "autograder/checks/public/step6.py: missing: public checks of step 6",
        "docs/ko/step6.md: missing: step 6's page (ko) → write it in ko (as docs/ko/step5.md;",
        "mkdocs.yml: missing: nav entry of step 6",
        "missing: step_does of step 6 (en)",
        "autograder/sandbox/child/harness.py: missing: the sandbox child's export for step 6",
        "sitegen/step_pages.py: missing: the step page's extra sections for step 6",
        "docs/_snippets/generated/en/step6.md: cannot be made (KeyError: 6) → fix the problems above",
    ):
        assert any(line.startswith(piece) or piece in line for line in out.splitlines()), piece
