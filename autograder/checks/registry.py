"""Finding the checks: one module per step and kind, public ones in `autograder/checks/public/`
(copied, by `make build`, beside the stubs as `exercises/*_test.py`) and hidden ones in
`autograder/checks/hidden/` (never released), loaded by name so that the check modules (which import
autograder.checks.library) and this module never import each other.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from types import ModuleType

from autograder.checks.library import Check, InvalidCheck, check_of, text

PUBLIC = "autograder.checks.public"
HIDDEN = "autograder.checks.hidden"


def hidden_available() -> bool:
    return importlib.util.find_spec(HIDDEN) is not None


def check_modules(include_hidden: bool = True) -> list[ModuleType]:
    """The modules that hold checks, one per step and kind; hidden ones only where installed."""
    packages = [PUBLIC, *([HIDDEN] if include_hidden and hidden_available() else [])]
    modules = []
    for name in packages:
        package = importlib.import_module(name)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            modules.append(importlib.import_module(f"{name}.{info.name}"))
    return modules


def checks_in(module: ModuleType) -> list[Check]:
    """The checks a module defines, in the order it defines them."""
    found_here = [c for value in vars(module).values() if (c := check_of(value)) is not None]
    return [c for c in found_here if c.test.__module__ == module.__name__]


def all_checks(include_hidden: bool = True) -> list[Check]:
    """Every check in step order (public before hidden within a step)."""
    chosen = [c for module in check_modules(include_hidden) for c in checks_in(module)]
    ids = [c.id for c in chosen]
    if len(set(ids)) != len(ids):
        raise InvalidCheck(f"check ids used twice: {sorted({i for i in ids if ids.count(i) > 1})}")
    for c in chosen:
        if c.hidden != c.test.__module__.startswith(HIDDEN + "."):
            raise InvalidCheck(f"{c.id}: hidden checks live in {HIDDEN}, public ones in {PUBLIC}")
    return sorted(chosen, key=lambda c: c.step)


@functools.cache
def by_id() -> dict[str, Check]:
    return {c.id: c for c in all_checks(include_hidden=True)}


def first_of(chk: Check) -> str | None:
    """The id of the step's first check that needs the same function (None for an unknown check)."""
    if chk.id not in by_id():
        return None
    return next(c.id for c in by_id().values() if c.step == chk.step and c.needs == chk.needs)


# Said where the hidden checks are asked for (`check --hidden`, `pytest --hidden`) but not installed.
NO_HIDDEN = text(
    "숨은 검사는 이 설치에 없습니다 (강사용). 공개 검사만 실행합니다.",
    "hidden checks are not installed here (instructors only); running the public checks.",
)
