"""Regenerate every generated file from its one source; `--check` fails when any is stale.

python -m sitegen.build          # write
python -m sitegen.build --check  # compare only (CI)
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from autograder.authoring.nbgrader_notebook import NOTEBOOK, notebook_text
from autograder.authoring.stubs import public_checks_file, stub_file
from autograder.core.steps import STEPS
from sitegen import site_pages
from sitegen.recordings import Stamped

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
CONSTRAINTS = ROOT / "constraints.txt"  # the calibrated versions, for every install


def constraints_file() -> str:
    from autograder.grading import calibrate, versions

    return versions.constraints_text(calibrate.load()["measured_with"])


HIDDEN_TITLES = ROOT / "autograder" / "checks" / "titles_of_hidden.py"


def hidden_titles_file() -> str:
    """The hidden checks' titles by step, for learners' copies (which hold no hidden checks): `check`
    tells a learner what grading also looks at, never how it judges."""
    from autograder.checks.registry import all_checks

    lines = [
        "# Generated from autograder/checks/hidden/ by `make build`: do not edit.",
        '"""What the hidden checks look at (their titles, not how they judge), by step: a learner\'s',
        'copy holds no hidden checks, and `check` names these so that grading holds no surprise."""',
        "",
        "from __future__ import annotations",
        "",
        "HIDDEN_TITLES: dict[int, tuple[dict[str, str], ...]] = {",
    ]
    hidden = [c for c in all_checks() if c.hidden]
    for step in sorted({c.step for c in hidden}):
        lines.append(f"    {step}: (")
        for c in (c for c in hidden if c.step == step):
            lines += [
                "        {",
                *(
                    f"            {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},"
                    for k, v in c.title.items()
                ),
                "        },",
            ]
        lines.append("    ),")
    return "\n".join([*lines, "}", ""])


def targets() -> dict[Path, Callable[[], str | Stamped]]:
    """Every generated file and how to make it (a Stamped one is slow: compared by fingerprint)."""
    made: dict[Path, Callable[[], str | Stamped]] = {}
    for step in STEPS:
        made[EXERCISES / step.filename] = partial(stub_file, step.module, repository=True)
        made[EXERCISES / step.checks_filename] = partial(public_checks_file, step.number, repository=True)
    made[NOTEBOOK] = notebook_text
    made[CONSTRAINTS] = constraints_file
    made[HIDDEN_TITLES] = hidden_titles_file
    from autograder.authoring import learner_notebook  # it imports this module (stub_source)

    for lang, path in learner_notebook.NOTEBOOKS.items():
        made[path] = partial(learner_notebook.notebook_text, lang)
    made.update(site_pages.targets())  # the course site: code includes, console output, tables, figures
    return made


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _stamped(path: Path, content: Stamped, check: bool) -> bool:
    """Remake a slow file only when its fingerprint changed; False when `--check` finds it stale."""
    if content.is_fresh(path):
        return True
    if check:
        print(f"{_shown(path)}: made from older sources (fingerprint {content.fingerprint})", file=sys.stderr)
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.make())
    print(f"wrote {_shown(path)}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a generated file is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, make in targets().items():
        content = make()
        if isinstance(content, Stamped):
            if not _stamped(path, content, args.check):
                stale.append(path)
            continue
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == content:
            continue
        if args.check:
            stale.append(path)
            diff = difflib.unified_diff(
                (current or "").splitlines(), content.splitlines(), str(path), "generated", lineterm=""
            )
            print("\n".join(list(diff)[:40]), file=sys.stderr)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            print(f"wrote {_shown(path)}")
    if stale:
        names = ", ".join(_shown(p) for p in stale)
        print(f"stale generated files: {names}; run `make build` and commit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
