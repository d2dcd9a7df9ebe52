"""The package's layout as its folders declare it: each folder's `__init__` docstring says what its
modules may import (`May import:`) and whether learners get it (`Learner-facing:`). Read with `ast`,
never imported, so it also describes packages that would not import here. The learners' release
(autograder.authoring.release) is built from it and tests/test_layout.py holds the imports to it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # autograder/
# Never in a learner's copy, whatever a folder declares.
SECRET = ("autograder.checks.hidden", "autograder.grading.calibrate")


@dataclass(frozen=True)
class Package:
    name: str  # autograder.sandbox.child
    folder: Path
    may_import: tuple[str, ...]  # packages (their own modules, not subpackages) or modules; ("any",)
    learner_facing: tuple[str, ...]  # modules learners get: all of them, none, or those named

    @property
    def modules(self) -> list[str]:
        """Its own modules (not its subpackages'), `__init__` included."""
        names = sorted(p.stem for p in self.folder.glob("*.py"))
        return [self.name if n == "__init__" else f"{self.name}.{n}" for n in names]


def _field(doc: str, name: str) -> str | None:
    match = re.search(rf"^{name}: (.+)$", doc, re.M)
    return match[1].strip() if match else None


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (value or "").split(",") if n.strip())


def read_package(folder: Path, package: Path = PACKAGE) -> Package:
    relative = folder.relative_to(package.parent)
    name = ".".join(relative.parts)
    doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))) or ""
    may = _field(doc, "May import")
    facing = _field(doc, "Learner-facing")
    if may is None or facing is None:
        raise ValueError(
            f"{relative}/__init__.py: its docstring needs `May import:` and `Learner-facing:` lines"
        )
    modules = [p.stem for p in folder.glob("*.py")]
    own = lambda stem: name if stem == "__init__" else f"{name}.{stem}"  # noqa: E731
    if facing == "yes":
        shipped = tuple(sorted(own(stem) for stem in modules))
    elif facing == "no":
        shipped = ()
    else:
        shipped = (name, *_names(facing))  # the named modules, and the package itself
    allowed = () if may == "nothing" else _names(may)
    return Package(name, folder, allowed, shipped)


def packages(package: Path = PACKAGE) -> list[Package]:
    """Every folder of the package that holds an `__init__.py`, the package itself first."""
    folders = sorted(p.parent for p in package.rglob("__init__.py") if "__pycache__" not in p.parts)
    return [read_package(folder, package) for folder in folders]


def module_file(module: str, package: Path = PACKAGE) -> Path:
    path = package.parent.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def learner_modules(package: Path = PACKAGE) -> list[str]:
    """The modules a learner's copy holds: what the folders declare learner-facing, none secret."""
    shipped = sorted(m for p in packages(package) for m in p.learner_facing)
    secret = [m for m in shipped if any(m == s or m.startswith(s + ".") for s in SECRET)]
    if secret:
        raise ValueError(f"secret modules declared learner-facing: {secret}")
    return shipped
