"""The package's layout holds: imports go one way, as each folder's `__init__` declares.

Every `import` in autograder/ counts, at module level or inside a function (a lazy import is still an
import). Each check is a function of a package folder, so the tests below also run it on a copy of
the package with one rule broken and see it fail.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from autograder.authoring import layout
from autograder.authoring.layout import Package
from autograder.sandbox import bubblewrap

PACKAGE = layout.PACKAGE
SITEGEN = PACKAGE.parent / "sitegen"  # the site generator: build tooling beside the package
LONG = 400  # lines; a longer module says why in its docstring, on a line `Over 400 lines: ...`
CLI = "autograder.cli"


def module_names(package: Path) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(package.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imports_of(path: Path, modules: dict[str, Path]) -> list[tuple[str, bool]]:
    """The package's modules that `path` imports, each with whether the import is inside a function."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                assert child.level == 0, f"{path}: a relative import"
                for alias in child.names:  # `from package import module` imports the module
                    name = f"{child.module}.{alias.name}"
                    found.append((name if name in modules else child.module, in_function))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return [(name, lazy) for name, lazy in found if name in modules]


def import_graph(package: Path) -> dict[str, dict[str, bool]]:
    """module -> {imported module: only inside functions}."""
    modules = module_names(package)
    graph: dict[str, dict[str, bool]] = {}
    for name, path in modules.items():
        edges: dict[str, bool] = {}
        for target, lazy in imports_of(path, modules):
            edges[target] = edges.get(target, True) and lazy
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]] | dict[str, dict[str, bool]]) -> list[list[str]]:
    """The strongly connected components with more than one node, or a node importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def connect(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def owner(module: str, packages: dict[str, Package]) -> str:
    """The package a module belongs to: itself when it is one, else its folder."""
    return module if module in packages else module.rpartition(".")[0]


def forbidden_imports(package: Path) -> list[str]:
    """Imports that the importing module's folder does not declare in `May import:`."""
    packages = {p.name: p for p in layout.packages(package)}
    wrong = []
    for module, targets in import_graph(package).items():
        home = packages[owner(module, packages)]
        for target in targets:
            there = owner(target, packages)
            if "any" in home.may_import or there == home.name:
                continue
            if target not in home.may_import and there not in home.may_import:
                wrong.append(f"{module} imports {target}")
    return wrong


def cli_importers(package: Path) -> list[str]:
    """Modules that import the command."""
    return [m for m, targets in import_graph(package).items() if CLI in targets]


def package_cycles(package: Path) -> list[list[str]]:
    packages = {p.name: p for p in layout.packages(package)}
    graph: dict[str, set[str]] = {}
    for module, targets in import_graph(package).items():
        home = owner(module, packages)
        graph.setdefault(home, set()).update(
            owner(t, packages) for t in targets if owner(t, packages) != home
        )
    return cycles(graph)


def long_modules(package: Path) -> list[str]:
    """Modules over LONG lines whose docstring gives no reason."""
    long = []
    for name, path in module_names(package).items():
        text = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(text)) or ""
        if len(text.splitlines()) > LONG and f"Over {LONG} lines:" not in doc:
            long.append(f"{name} ({len(text.splitlines())} lines)")
    return long


def unshippable(package: Path) -> list[str]:
    """Imports of learner-facing modules that a learner's copy would not hold (the command's
    instructor handlers excepted: they import inside functions, and say so where it is missing)."""
    shipped = set(layout.learner_modules(package))
    return [
        f"{module} imports {target}"
        for module, targets in import_graph(package).items()
        if module in shipped
        for target, lazy in targets.items()
        if target not in shipped and not (module == CLI and lazy)
    ]


# --- the layout of autograder/ ---------------------------------------------------------------------


def test_no_module_imports_another_that_imports_it_back() -> None:
    assert cycles(import_graph(PACKAGE)) == []
    assert package_cycles(PACKAGE) == []


def test_every_import_is_one_its_folder_declares() -> None:
    assert forbidden_imports(PACKAGE) == []


def test_declared_imports_name_real_packages_and_every_init_is_only_a_docstring() -> None:
    modules = module_names(PACKAGE)
    for package in layout.packages(PACKAGE):
        assert set(package.may_import) - {"any"} <= set(modules), package.name
        init = ast.parse((package.folder / "__init__.py").read_text(encoding="utf-8"))
        assert len(init.body) == 1 and isinstance(init.body[0].value, ast.Constant), package.name


def test_nothing_imports_the_command() -> None:
    assert cli_importers(PACKAGE) == []


def test_the_trusted_side_starts_the_child_side_and_imports_only_its_contract() -> None:
    allowed = {"autograder.sandbox.child.contract"}
    for module, targets in import_graph(PACKAGE).items():
        if module.startswith(("autograder.sandbox.child", "autograder.learner")):
            continue  # the child itself, and the notebook's kernel (the learner's own process)
        assert not {t for t in targets if t.startswith("autograder.sandbox.child")} - allowed, module
    importers = [m for m, t in import_graph(PACKAGE).items() if any("checks.hidden" in x for x in t)]
    assert importers == []  # found by name where installed (autograder.checks.registry)


def test_modules_are_short_or_say_why_not() -> None:
    assert long_modules(PACKAGE) == []
    assert long_modules(SITEGEN) == []


def test_the_package_never_imports_the_site_generator() -> None:
    importers = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            importers += [path.name for name in names if name.split(".")[0] == "sitegen"]
    assert importers == []


def asserting_modules_that_pytest_may_rewrite(package: Path) -> list[str]:
    """Check modules whose `assert ..., message` would reach `judge` as pytest's explanation (a str)
    instead of the {"ko", "en"} dict: pytest rewrites an installed plugin's package in xdist workers."""
    rewritten = []
    for path in sorted((package / "checks").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        asserts = any(isinstance(n, ast.Assert) and n.msg for n in ast.walk(ast.parse(source)))
        if asserts and "PYTEST_DONT_REWRITE" not in (ast.get_docstring(ast.parse(source)) or ""):
            rewritten.append(str(path.relative_to(package)))
    return rewritten


def test_check_modules_that_assert_with_a_message_turn_pytests_rewriting_off() -> None:
    assert asserting_modules_that_pytest_may_rewrite(PACKAGE) == []


def test_a_learners_copy_holds_everything_its_modules_import_and_nothing_secret() -> None:
    assert unshippable(PACKAGE) == []
    shipped = layout.learner_modules(PACKAGE)
    assert "autograder.cli" in shipped and "autograder.checks.public.step1" in shipped
    assert not [m for m in shipped if m.startswith(("autograder.checks.hidden", "autograder.grading"))]


def test_the_sandbox_holds_the_child_side_and_what_it_imports_only() -> None:
    staged = {".".join(("autograder", *p.with_suffix("").parts)) for p in bubblewrap.staged_files()}
    staged = {m.removesuffix(".__init__") for m in staged}
    packages = {p.name: p for p in layout.packages(PACKAGE)}
    child = packages["autograder.sandbox.child"]
    declared = {m for name in (child.name, *child.may_import) for m in packages[name].modules}
    assert staged == declared | {"autograder", "autograder.sandbox"}
    graph = import_graph(PACKAGE)
    reached, todo = set(), [m for m in graph if m.startswith(child.name)]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(graph[module])
    assert reached <= staged
    assert not [m for m in staged if m.startswith(("autograder.checks", "autograder.grading"))]


# --- each check fails on a package that breaks its rule --------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return Path(
        shutil.copytree(PACKAGE, tmp_path / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    )


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_a_cycle_is_caught_even_through_a_lazy_import(copy: Path) -> None:
    add_line(copy / "core" / "steps.py", "def _later():\n    from autograder.core import submissions")
    # steps -> submissions -> notebooks -> steps: one cycle, whatever else it runs through
    assert cycles(import_graph(copy)) == [
        ["autograder.core.notebooks", "autograder.core.steps", "autograder.core.submissions"]
    ]


def test_a_package_cycle_is_caught(copy: Path) -> None:
    add_line(copy / "checks" / "library.py", "def _later():\n    from autograder.grading import grade")
    assert ["autograder.checks", "autograder.grading"] in package_cycles(copy)


def test_an_undeclared_import_is_caught(copy: Path) -> None:
    add_line(copy / "sandbox" / "runner.py", "from autograder.sandbox.child import harness")
    add_line(copy / "checks" / "judging.py", "import autograder.sandbox.runner")
    assert forbidden_imports(copy) == [
        "autograder.checks.judging imports autograder.sandbox.runner",
        "autograder.sandbox.runner imports autograder.sandbox.child.harness",
    ]


def test_an_import_of_the_command_is_caught(copy: Path) -> None:
    add_line(copy / "learner" / "watch.py", "def _later():\n    from autograder.cli import main")
    assert cli_importers(copy) == ["autograder.learner.watch"]


def test_a_long_module_without_a_reason_is_caught(copy: Path) -> None:
    path = copy / "core" / "files.py"
    add_line(path, "\n" * LONG)
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines > LONG and long_modules(copy) == [f"autograder.core.files ({lines} lines)"]


def test_a_learner_facing_import_of_an_instructors_module_is_caught(copy: Path) -> None:
    add_line(copy / "learner" / "watch.py", "def _later():\n    from autograder.grading import grade")
    assert unshippable(copy) == ["autograder.learner.watch imports autograder.grading.grade"]


def test_a_check_module_that_lets_pytest_rewrite_its_messages_is_caught(copy: Path) -> None:
    library = copy / "checks" / "library.py"
    library.write_text(library.read_text(encoding="utf-8").replace("PYTEST_DONT_REWRITE", "(rewrite)"))
    assert asserting_modules_that_pytest_may_rewrite(copy) == ["checks/library.py"]


def test_a_secret_folder_declared_learner_facing_is_refused(copy: Path) -> None:
    init = copy / "checks" / "hidden" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8").replace("Learner-facing: no", "Learner-facing: yes"))
    with pytest.raises(ValueError, match="secret"):
        layout.learner_modules(copy)
