"""What must not reach learners, as strings to look for: solution code, hidden checks' texts and code.

Used by the tests of the nbgrader release and feedback (test_nbgrader) and of the .py release
(test_course). Hidden check ids are names (`step4.final_loss`), not secrets of how a check judges:
each test says where ids may appear.
"""

from __future__ import annotations

import inspect

from autograder.checks import library, registry
from autograder.checks.library import Check
from autograder.checks.registry import all_checks
from autograder.core.steps import STEPS

from answers import solution_answer

CHECKS = all_checks(include_hidden=True)
HIDDEN = [c for c in CHECKS if c.hidden]
LANGS = ("ko", "en")


def solution_regions() -> list[str]:
    """Each function's solution region as written in solutions/ (dedented, its lines joined)."""
    return [body.strip() for step in STEPS for body in solution_answer(step.number).bodies.values()]


def public_text() -> str:
    """What learners are given anyway: the manifest's titles and hints, the public checks' texts."""
    manifest = [text[lang] for step in STEPS for text in (step.title, *step.hints) for lang in LANGS]
    public = [
        t[lang] for c in CHECKS if not c.hidden for t in (c.title, c.expected, c.hint) for lang in LANGS
    ]
    return "\n".join(manifest + public)


def hidden_texts(checks: list[Check] = HIDDEN, parts: tuple[str, ...] = ("expected", "hint")) -> list[str]:
    """Hidden checks' texts, less any that is public anyway (metrics=['mse'] is also in step 3's hint).
    Their titles are public on purpose (autograder/checks/titles_of_hidden.py): not how they judge."""
    public = public_text()
    texts = [getattr(c, part)[lang] for c in checks for part in parts for lang in LANGS]
    return [t for t in texts if t not in public]


def hidden_code() -> list[str]:
    """The statements that judge the hidden checks (autograder/checks/hidden/), one per line, less
    those the public checks also have (`assert prediction is not None, found(...)`)."""
    public = "\n".join(inspect.getsource(m) for m in registry.check_modules(include_hidden=False))
    public += inspect.getsource(library)
    lines = []
    for check in HIDDEN:
        source = inspect.getsource(check.test)
        lines += [line.strip() for line in source[source.index("\ndef ") :].splitlines()[2:]]
    return [line for line in lines if len(line) > 24 and line not in public]
