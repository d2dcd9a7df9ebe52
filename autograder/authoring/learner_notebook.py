"""Generate the learner's notebook docs/{ko,en}/downloads/keras_course.ipynb (run by sitegen.build).

For a learner alone (no nbgrader): the course notebook's intro, setup imports, step texts and answer
stubs (autograder.authoring.nbgrader_notebook, one source for each), and under each answer a cell `check(N)`
(autograder.learner.notebook) that prints the table `keras-course check` prints. The site links it for
download, one copy per language of the site (they differ only in the language `check` starts with),
and `keras-course release` ships the Korean one. Written deterministically with nbformat (fixed cell
ids, no outputs) so `build --check` is stable; the answer cells hold nbgrader's stubs, never a solution.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.authoring.nbgrader_notebook import INTRO, function_source, solution_imports, step_markdown
from autograder.authoring.stubs import stub_source
from autograder.checks.library import Check
from autograder.checks.registry import all_checks
from autograder.core.steps import LANGUAGES, STEPS, Step

ROOT = Path(__file__).resolve().parents[2]
NAME = "keras_course.ipynb"
# One per language folder of the site: mkdocs-static-i18n publishes a file to its own language only.
NOTEBOOKS = {lang: ROOT / "docs" / lang / "downloads" / NAME for lang in LANGUAGES}

GENERATED = (
    "<!-- 생성된 파일: solutions/와 autograder/에서 `make build`로 만듭니다 (autograder/authoring/learner_notebook.py). -->\n"
    "<!-- Generated from solutions/ and autograder/ by `make build` (autograder/authoring/learner_notebook.py). -->\n"
)

HOW_TO = """\
## 이 노트북 쓰는 법 / How to use this notebook

1. 맨 위의 **설치 셀**과 **준비 셀**을 먼저 실행하세요 (셀을 누르고 Shift+Enter). 설치 셀은 강좌 패키지가
   없을 때만(Colab 등) 노트북 옆의 `keras_course_learner-….whl`을 설치합니다. 검사 메시지의 언어는 준비 셀의
   `set_language(...)`로 정합니다: `"ko"` 한국어, `"en"` 영어.
2. 단계마다 답 셀의 `# YOUR CODE HERE` 아래를 채우고 `raise NotImplementedError()` 줄을 지운 뒤, 그 셀을 실행하세요.
3. 바로 아래의 `check(N)` 셀을 실행하면 그 단계의 검사 결과가 표로 나옵니다: ✓ 통과, ✗ 실패, – 위의 ✗ 때문에
   실패. 답을 고쳤다면 답 셀을 먼저 다시 실행하세요. 검사는 마지막으로 실행한 코드를 봅니다.
4. 막히면 힌트를 하나씩 펼쳐 보세요. 마지막 힌트는 답에 가깝습니다.

`check`는 공개 검사만 실행합니다. 숨은 검사의 점수는 강사가 채점할 때 더해집니다. 함수가 오류를 내면 ✗와 그
이유가 나오고, 끝나지 않으면(무한 루프 같은) 단계의 시간 제한 뒤에 멈추고 ✗로 알려 줍니다.

1. Run the **install cell** and the **setup cell** at the top first (click it, then Shift+Enter). The
   install cell installs `keras_course_learner-….whl` from beside the notebook only where the course's
   package is missing (Colab, say). The setup cell's `set_language(...)` line sets the language of the
   checks' messages: `"en"` English, `"ko"` Korean.
2. In each step's answer cell, fill in the lines under `# YOUR CODE HERE`, delete the
   `raise NotImplementedError()` line, and run the cell.
3. Run the `check(N)` cell right below it: a table of that step's checks, ✓ passed, ✗ failed, – failed
   because of the ✗ above it. After changing an answer, run its cell again first: checks see the code
   you ran last.
4. Stuck? Open the hints one at a time; the last one is close to the answer.

`check` runs the public checks only; the hidden checks add their points when your instructor grades.
If your function raises an error you get a ✗ with the reason; if it never finishes (an endless loop),
it is stopped after the step's time limit and reported as a ✗.
"""

# Where the notebook runs without the course installed (Colab, another Jupyter): pip installs the learners'
# wheel (`keras-course release` writes it to dist/) into the kernel's own Python. Plain Python, not
# `%pip`, so the same cell runs (and is tested) outside IPython too. Does nothing where it is installed.
INSTALL = """\
# 설치 셀: 강좌 패키지가 없을 때만 설치합니다 / install cell: installs the course's package only where it is missing
import importlib
import subprocess
import sys
from importlib import metadata
from pathlib import Path


def installed(name):
    try:
        return bool(metadata.version(name))
    except metadata.PackageNotFoundError:
        return False


if not (installed("keras-course-learner") or installed("keras-course")):
    pattern = "keras_course_learner-*.whl"
    wheels = sorted(Path().glob(pattern)) + sorted(Path("dist").glob(pattern))
    if wheels:
        wheel = str(wheels[-1])
        print(f"설치 중 (TensorFlow까지 몇 분) / installing (with TensorFlow: a few minutes): {wheel}")
        command = [sys.executable, "-m", "pip", "install", "-q", wheel]
        pip = subprocess.run(command, capture_output=True, text=True)
        print((pip.stdout + pip.stderr)[-3000:] if pip.returncode else "설치했습니다 / installed")
        importlib.invalidate_caches()
    else:
        print(
            "이 노트북 옆에 keras_course_learner-….whl 파일이 없습니다: 강사가 준 파일을 올리고(Colab: 왼쪽 '파일') 이 셀을 다시 실행하세요.\\n"
            "No keras_course_learner-….whl beside this notebook: upload the one your instructor gave you "
            "(Colab: the Files pane on the left) and run this cell again."
        )
"""

SETUP_HEAD = """\
# 준비 셀: 먼저 실행하세요 / setup cell: run it first
import os

# TensorFlow prints log lines when it is imported: silence them before the first import of keras.
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

"""

SETUP_TAIL = """

from autograder.learner.notebook import check, set_language

"""
LANGUAGE_LINE = {
    "ko": 'set_language("ko")  # 검사 메시지: 한국어 (영어는 "en")',
    "en": 'set_language("en")  # the checks\' messages: English (Korean: "ko")',
}

FINALE = """\
## 모든 단계 / Every step

모든 단계를 한 번에 검사합니다. 모두 ✓이면 공개 검사의 점수를 모두 받은 것입니다 ({public}점 중 {public}점).
나머지 {hidden}점은 숨은 검사의 몫으로, 강사가 채점할 때 더해집니다 (모두 {total}점).

Check every step at once. All ✓ means every public check's points ({public} of {public}).
The other {hidden} points belong to the hidden checks, added when your instructor grades ({total} in all).
"""


def step_cells(step: Step, checks: list[Check]) -> list[nbformat.NotebookNode]:
    """The step's text (as in the nbgrader notebook), its answer stub, and the cell that checks it."""
    ours = [c for c in checks if c.step == step.number]
    run_it = f"\n검사: 아래 셀 `check({step.number})` / check it: the cell `check({step.number})` below\n"
    return [
        nbformat.v4.new_markdown_cell(step_markdown(step, ours) + run_it, id=f"step{step.number}_intro"),
        nbformat.v4.new_code_cell(stub_source(function_source(step)), id=f"step{step.number}_answer"),
        nbformat.v4.new_code_cell(f"check({step.number})", id=f"step{step.number}_check"),
    ]


def notebook(lang: str = "ko") -> nbformat.NotebookNode:
    """The notebook whose `check` speaks `lang` to begin with (its texts are in both languages)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    checks = all_checks(include_hidden=True)
    public = sum(c.points for c in checks if not c.hidden)
    total = sum(c.points for c in checks)
    nb.cells = [
        nbformat.v4.new_markdown_cell(GENERATED + "\n" + INTRO + "\n" + HOW_TO, id="intro"),
        nbformat.v4.new_code_cell(INSTALL.rstrip(), id="install"),
        nbformat.v4.new_code_cell(
            SETUP_HEAD + "\n".join(solution_imports()) + SETUP_TAIL + LANGUAGE_LINE[lang], id="setup"
        ),
        *(cell for step in STEPS for cell in step_cells(step, checks)),
        nbformat.v4.new_markdown_cell(
            FINALE.format(public=public, hidden=total - public, total=total), id="all_intro"
        ),
        nbformat.v4.new_code_cell("check()", id="all_check"),
    ]
    nbformat.validate(nb)
    return nb


def notebook_text(lang: str = "ko") -> str:
    return nbformat.writes(notebook(lang)) + "\n"
