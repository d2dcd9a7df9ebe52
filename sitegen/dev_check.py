"""`keras-course dev check` (`make dev-check`): every step of autograder.core.steps.STEPS has all its
pieces, and every generated file is fresh. One line per problem, each with its fix; exit 1 if any.

python -m sitegen.dev_check

For maintainers, like rustlings' `dev check`: a few seconds, no TensorFlow. Files (solutions, stubs,
docs, mkdocs.yml, words) are read under `root`; code (the checks, the per-step hooks) is asked of the
modules imported here. It lives in sitegen/ because it asks the child's harness and sitegen itself,
which no module of autograder/ may import (tests/test_layout.py); the command starts it as a program.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import yaml

from autograder.checks.registry import all_checks
from autograder.core.steps import LANGUAGES, STEPS, Step

ROOT = Path(__file__).resolve().parent.parent
BUILD = "`python -m sitegen.build` (make build)"
WORDS = Path("docs/_snippets/words.yml")


@dataclass(frozen=True)
class Problem:
    what: str  # "missing: …" or "stale: …"
    where: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what} → {self.fix}"


# --- per-step hooks: code that must know each step ------------------------------------------------

Finder = Callable[[ModuleType], set[int]]


def keyed(name: str) -> Finder:
    """A table keyed by step number (a dict, or a tuple of numbers)."""
    return lambda module: {int(k) for k in getattr(module, name, ())}


def functions(pattern: str) -> Finder:
    """One function per step, named by `pattern` (an if/elif chain dispatches to them)."""
    return lambda module: {
        s.number for s in STEPS if callable(getattr(module, pattern.format(n=s.number), None))
    }


def fixtures(pattern: str) -> Finder:
    """One pytest fixture per step, by its fixture name."""
    names = lambda module: {getattr(v, "name", None) for v in vars(module).values()}  # noqa: E731
    return lambda module: {s.number for s in STEPS if pattern.format(n=s.number) in names(module)}


@dataclass(frozen=True)
class Hook:
    module: str
    what: str
    find: Finder
    how: str  # the edit that adds a step, said in the fix
    needs: Callable[[Step], bool] = lambda step: True  # which steps must have an entry


def rebuilt(step: Step) -> bool:
    return step.recompute == "rebuild"


HOOKS = (
    Hook(
        "autograder.sandbox.child.harness",
        "the sandbox child's export",
        keyed("EXPORTS"),
        "def _step{n}(out, keras, reference) and its entry {n}: _step{n} in EXPORTS",
    ),
    Hook(
        "autograder.sandbox.replay",
        "the Keras config the grader rebuilds from",
        keyed("CONFIG"),
        "an entry {n}: the name of the config the child exports, in CONFIG",
        needs=rebuilt,
    ),
    Hook(
        "autograder.sandbox.replay",
        "what the grader's rebuild replaces",
        keyed("REBUILT"),
        "an entry {n}: (the data names the rebuild describes,) in REBUILT",
        needs=rebuilt,
    ),
    Hook(
        "autograder.learner.pytest_plugin",
        "the pytest plugin's fixture",
        fixtures("step{n}"),
        "nothing by hand: the plugin makes one fixture per step in STEPS (_step_fixture)",
    ),
    Hook(
        "sitegen.step_pages",
        "the step page's extra sections",
        keyed("STEP_EXTRAS"),
        "an entry {n}: a function (lang, reference) -> sections, in STEP_EXTRAS",
    ),
    Hook(
        "sitegen.step_pages",
        "the step page's tutorial sections",
        keyed("TUTORIAL_SECTIONS"),
        "an entry {n}: (section names of docs/_snippets/keras2_tutorial.py,) in TUTORIAL_SECTIONS",
    ),
)


def hook_problems(hooks: tuple[Hook, ...] = HOOKS) -> list[Problem]:
    problems = []
    numbers = {s.number for s in STEPS}
    for hook in hooks:
        covered = hook.find(importlib.import_module(hook.module))
        where = hook.module.replace(".", "/") + ".py"
        needed = {s.number for s in STEPS if hook.needs(s)}
        problems += [
            Problem(f"missing: {hook.what} for step {n}", where, "add " + hook.how.format(n=n))
            for n in sorted(needed - covered)
        ]
        problems += [
            Problem(f"stale: {hook.what} for step {n}, {why}", where, f"remove step {n}")
            for n in sorted(covered - needed)
            for why in ["which needs none" if n in numbers else "which STEPS does not have"]
        ]
    return problems


# --- files of a step ----------------------------------------------------------------------------------


def defined(path: Path) -> dict[str, ast.FunctionDef]:
    """The module-level functions of a Python file, by name (parsed, never imported: TensorFlow)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def raises_not_implemented(function: ast.FunctionDef, source: str) -> bool:
    """Whether a stub's function still holds `# YOUR CODE HERE` and `raise NotImplementedError`."""
    text = ast.get_source_segment(source, function) or ""
    raises = any(
        isinstance(node, ast.Raise) and "NotImplementedError" in ast.unparse(node.exc or node)
        for node in ast.walk(function)
    )
    return raises and "# YOUR CODE HERE" in text


def solution_problems(step: Step, root: Path) -> list[Problem]:
    where = f"solutions/{step.filename}"
    if not (root / where).is_file():
        fix = f"write it, the answer between ### BEGIN SOLUTION and ### END SOLUTION, then {BUILD}"
        return [Problem(f"missing: step {step.number}'s solution", where, fix)]
    have = defined(root / where)
    return [
        Problem(f"missing: function {name}() of step {step.number}", where, f"define `def {name}(...)` there")
        for name in step.functions
        if name not in have
    ]


def stub_problems(step: Step, root: Path) -> list[Problem]:
    where = f"exercises/{step.filename}"
    path = root / where
    if not path.is_file():
        return [Problem(f"missing: step {step.number}'s stub", where, f"run {BUILD}")]
    source, have = path.read_text(encoding="utf-8"), defined(path)
    problems = []
    for name in step.functions:
        if name not in have:
            problems.append(Problem(f"stale: the stub has no {name}()", where, f"run {BUILD}"))
        elif not raises_not_implemented(have[name], source):
            fix = (
                f"mark the answer in solutions/{step.filename} with ### BEGIN/END SOLUTION, then run {BUILD}"
            )
            problems.append(
                Problem(f"stale: {name}() gives the answer (no `# YOUR CODE HERE` raise)", where, fix)
            )
    if not (root / "exercises" / step.checks_filename).is_file():
        problems.append(
            Problem(
                f"missing: step {step.number}'s public test file",
                f"exercises/{step.checks_filename}",
                f"run {BUILD}",
            )
        )
    return problems


def check_problems(step: Step, checks: list) -> list[Problem]:
    """A step needs public checks; hidden ones are optional (steps 1 and 3 have none)."""
    where = f"autograder/checks/public/step{step.number}.py"
    if any(c.step == step.number and not c.hidden for c in checks):
        return []
    fix = f'add a test marked @check("step{step.number}.<name>", ...) (instructor guide: Adding a check)'
    return [Problem(f"missing: public checks of step {step.number}", where, fix)]


def doc_problems(step: Step, root: Path) -> list[Problem]:
    problems = []
    for lang in LANGUAGES:
        where = f"docs/{lang}/step{step.number}.md"
        if not (root / where).is_file():
            other = next(f"docs/{x}/step{step.number}.md" for x in LANGUAGES if x != lang)
            if not (root / other).is_file():  # neither page yet: the previous step's shows the shape
                other = f"docs/{lang}/step{step.number - 1}.md"
            fix = f"write it in {lang} (as {other}; its generated parts: docs/_snippets/generated/{lang}/)"
            problems.append(Problem(f"missing: step {step.number}'s page ({lang})", where, fix))
    return problems


# --- mkdocs.yml and words.yml -----------------------------------------------------------------------


class _AnyTag(yaml.SafeLoader):
    """mkdocs.yml's python tags (!!python/…, !relative) read as nothing: only the nav matters here."""


_AnyTag.add_multi_constructor("", lambda loader, suffix, node: None)


def nav_pages(nav: object, found: dict[str, str] | None = None) -> dict[str, str]:
    """page -> its title in the nav, at any depth."""
    found = {} if found is None else found
    for item in nav if isinstance(nav, list) else []:
        for title, value in item.items() if isinstance(item, dict) else []:
            if isinstance(value, str):
                found[value] = title
            nav_pages(value, found)
    return found


def nav_translations(config: dict) -> dict[str, str]:
    """The English nav's titles by Korean title (the i18n plugin's nav_translations)."""
    for plugin in config.get("plugins", []):
        for language in (plugin.get("i18n") or {}).get("languages", []) if isinstance(plugin, dict) else []:
            if language.get("locale") == "en":
                return language.get("nav_translations") or {}
    return {}


def nav_problems(step: Step, config: dict) -> list[Problem]:
    page, titles = f"step{step.number}.md", {lang: f"{step.number}. {step.title[lang]}" for lang in LANGUAGES}
    title = nav_pages(config.get("nav")).get(page)
    if title is None:
        fix = f"add `- {titles['ko']}: {page}` beside the other steps in nav"
        return [Problem(f"missing: nav entry of step {step.number}", "mkdocs.yml", fix)]
    if title != titles["ko"]:
        fix = f"rename it `{titles['ko']}` (autograder/core/steps.py's title), and its nav_translations key"
        return [Problem(f"stale: nav title `{title}` of step {step.number}", "mkdocs.yml", fix)]
    if nav_translations(config).get(title) != titles["en"]:
        fix = f"add `{title}: {titles['en']}` to the en language's nav_translations"
        return [Problem(f"missing: English nav title of step {step.number}", "mkdocs.yml", fix)]
    return []


def words_problems(step: Step, words: dict) -> list[Problem]:
    """The home page's table says what each step does (words.yml `step_does`), in every language."""
    does = (words.get("step_does") or {}).get(step.number) or {}
    return [
        Problem(
            f"missing: step_does of step {step.number} ({lang})",
            str(WORDS),
            f'add step_does: {step.number}: {lang}: "…"',
        )
        for lang in LANGUAGES
        if not does.get(lang)
    ]


# --- generated files ------------------------------------------------------------------------------


def generated_problems(root: Path, named: set[str]) -> tuple[list[Problem], int]:
    """Every file `python -m sitegen.build --check` compares, under root (made from this checkout's
    sources); those already named are left out. Recorded runs are compared by fingerprint only."""
    from sitegen import build  # noqa: PLC0415 - its imports (nbgrader) are the slowest part

    problems, targets = [], build.targets()
    for path, make in targets.items():
        where = path.relative_to(build.ROOT).as_posix()
        if where in named:
            continue
        try:
            mine, content = root / where, make()
        except Exception as exc:  # noqa: BLE001 - a source a step still lacks: said, not a traceback
            why = f"cannot be made ({type(exc).__name__}: {str(exc)[:120]})"
            problems.append(Problem(why, where, f"fix the problems above, then run {BUILD}"))
            continue
        if isinstance(content, str):
            fresh = mine.is_file() and mine.read_text(encoding="utf-8") == content
            fix = f"run {BUILD} and commit (`python -m sitegen.build --check` shows the diff)"
        else:
            fresh = content.is_fresh(mine)
            fix = f"run {BUILD} and commit: it re-records from a TensorFlow run (minutes)"
        if not fresh:
            problems.append(
                Problem(
                    "missing: generated file" if not mine.exists() else "stale: generated file", where, fix
                )
            )
    return problems, len(targets)


# --- the whole check --------------------------------------------------------------------------------


def dangling(root: Path) -> list[Problem]:
    """Step files that no step of STEPS names (a step renamed or removed)."""
    known = {s.filename for s in STEPS} | {s.checks_filename for s in STEPS}
    return [
        Problem(
            "stale: a step file of no step in STEPS",
            path.relative_to(root).as_posix(),
            "remove it, or add its step to autograder/core/steps.py",
        )
        for folder in ("solutions", "exercises")
        for path in sorted((root / folder).glob("step*.py"))
        if path.name not in known
    ]


def problems(root: Path = ROOT, generated: bool = True) -> tuple[list[Problem], str]:
    """Every problem found, and the one-line summary of what was checked."""
    config = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_AnyTag) or {}
    words = yaml.safe_load((root / WORDS).read_text(encoding="utf-8")) or {}
    checks = all_checks(include_hidden=True)
    found: list[Problem] = []
    for step in STEPS:
        found += solution_problems(step, root) + stub_problems(step, root) + check_problems(step, checks)
        found += doc_problems(step, root) + nav_problems(step, config) + words_problems(step, words)
    found += hook_problems() + dangling(root)
    files = 0
    if generated:
        more, files = generated_problems(root, {p.where for p in found})
        found += more
    hidden = sorted({c.step for c in checks if c.hidden})
    summary = (
        f"dev check: {len(STEPS)} steps ({len(HOOKS)} per-step hooks, {files} generated files); "
        f"hidden checks for steps {', '.join(map(str, hidden)) or 'none'}"
    )
    return found, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository to check (default: this one)")
    args = parser.parse_args(argv)
    found, summary = problems(args.root)
    for problem in found:
        print(problem)
    if found:
        print(f"{summary}: {len(found)} problem(s)", file=sys.stderr)
        return 1
    print(f"{summary}: all present and fresh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
