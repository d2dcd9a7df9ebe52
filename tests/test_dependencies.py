"""Dependencies by role, both ways: every third-party import is declared in pyproject.toml where its
code may rely on it, and every declared dependency is used there (imported, or named by mkdocs.yml),
or listed in NOT_IMPORTED with the reason, which the test also checks.

The roles: the core (`check`, `watch`, `hint`, `grade`, `merge`, `gradescope`: a learner's install, the
grader's image, Gradescope) may use the core dependencies only; the instructor's nbgrader modules add
the `nbgrader` extra; the site (sitegen/, hooks/, mkdocs.yml) adds `docs`, which brings `nbgrader`
(sitegen makes the stubs with autograder/authoring/); the tests and benchmarks run where `make install`
put every extra."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from conftest import ROOT

PROJECT = "keras-course"
GROUPS = ("core", "nbgrader", "docs", "dev")
# The modules that only the instructor's nbgrader commands run (`release`, `gradescope-bundle`,
# `course init`, `grade --nbgrader`, `merge --nbgrader`): the nbgrader role.
NBGRADER_MODULES = (
    "autograder/authoring/",
    "autograder/grading/nbgrader_autograde.py",
    "autograder/grading/nbgrader_sync.py",
)
PARTS = {  # where each role's code lives (the first match wins: NBGRADER_MODULES before autograder/)
    "nbgrader": (*NBGRADER_MODULES, "course/nbgrader_config.py"),
    # The learner's code too: the answers, the stubs and the site's "try more" files run where `check` does.
    "core": ("autograder/", "solutions/", "exercises/", "docs/_snippets/"),
    "docs": ("sitegen/", "hooks/"),
    "dev": ("tests/", "benchmarks/"),
}
# Which declared groups each role's code may rely on.
MAY_USE = {
    "core": {"core"},
    "nbgrader": {"core", "nbgrader"},
    "docs": {"core", "docs", "nbgrader"},  # docs = ["keras-course[nbgrader]", ...]
    "dev": set(GROUPS),  # `make install`: '.[dev,docs,nbgrader]'
}
# Declared, imported nowhere: why (each reason is checked in test_the_reasons_not_to_import_hold).
NOT_IMPORTED = {
    "tensorflow": "off Linux x86-64, the `tensorflow` module that tensorflow-cpu provides there",
    "ruff": "a command: `make lint`",
    "mypy": "a command: `make lint`",
    "pytest-xdist": "a pytest plugin: `make test` runs pytest -n 2",
    "setuptools": "the learners' wheel's build backend, which `release` runs without isolation",
    PROJECT: "an extra of this project (docs brings nbgrader)",
}
# Imported, not declared: why.
NOT_DECLARED = {
    "IPython": "autograder/learner/notebook.py imports it only inside a running Jupyter kernel, which is IPython",
}


def normal(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, set[str]]:
    """Each group's distributions (normalised names) as pyproject.toml declares them."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the installed metadata, which pyproject.toml made
        groups: dict[str, set[str]] = {group: set() for group in GROUPS}
        for line in metadata.requires(PROJECT) or []:
            requirement = Requirement(line)
            extra = re.search(r'extra == "([^"]+)"', str(requirement.marker or ""))
            groups[extra.group(1) if extra else "core"].add(normal(requirement.name))
        return groups
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lists = {"core": project["dependencies"], **project["optional-dependencies"]}
    return {group: {normal(Requirement(line).name) for line in lists[group]} for group in GROUPS}


def part_of(path: Path, root: Path = ROOT) -> str | None:
    relative = path.relative_to(root).as_posix()
    return next((part for part, prefixes in PARTS.items() if relative.startswith(prefixes)), None)


def local_names(root: Path = ROOT) -> set[str]:
    """Top-level names that are this repository's own: its packages and the modules its code imports
    by file name (tests/, benchmarks/, the step files)."""
    names = {"autograder", "sitegen", "tests", "benchmarks"}
    for folder in ("tests", "benchmarks", "solutions", "exercises"):
        names |= {path.stem for path in (root / folder).glob("*.py")}
    return names


def top_level_imports(source: str) -> set[str]:
    """Every absolute import's top-level name, wherever it is (in a function, under TYPE_CHECKING)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names


def code_files(root: Path = ROOT) -> Iterable[Path]:
    for prefixes in PARTS.values():
        for prefix in prefixes:
            folder = prefix if prefix.endswith("/") else prefix.rpartition("/")[0]
            yield from (p for p in sorted((root / folder).rglob("*.py")) if part_of(p, root))


def third_party(root: Path = ROOT) -> dict[str, dict[str, set[str]]]:
    """role -> top-level module -> the files importing it: the modules neither the standard library's
    nor this repository's."""
    own = local_names(root) | set(sys.stdlib_module_names)
    found: dict[str, dict[str, set[str]]] = {part: {} for part in PARTS}
    for path in dict.fromkeys(code_files(root)):
        part = part_of(path, root)
        for module in top_level_imports(path.read_text(encoding="utf-8")) - own:
            found[part].setdefault(module, set()).add(path.relative_to(root).as_posix())
    return found


def mkdocs_names(config: Path = ROOT / "mkdocs.yml") -> dict[str, set[str]]:
    """What mkdocs.yml makes mkdocs load: its theme, plugins, Markdown extensions and the Python
    objects its tags name (`!!python/name:pymdownx...`)."""

    class Loader(yaml.SafeLoader):
        tags: set[str] = set()

    def any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
        Loader.tags.add(suffix.rpartition(":")[2])

    Loader.add_multi_constructor("!", any_tag)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", any_tag)
    data = yaml.load(config.read_text(encoding="utf-8"), Loader=Loader)

    def keys(items: list) -> set[str]:
        return {next(iter(item)) if isinstance(item, dict) else item for item in items}

    return {
        "mkdocs.themes": {data["theme"]["name"]},
        "mkdocs.plugins": keys(data.get("plugins", [])),
        "markdown.extensions": keys(data.get("markdown_extensions", [])),
        "modules": {tag.partition(".")[0] for tag in Loader.tags if "." in tag},
    }


def distributions_named_by(names: dict[str, set[str]]) -> dict[str, str]:
    """distribution -> what in mkdocs.yml needs it: entry points by name, modules by their top level."""
    by_module = metadata.packages_distributions()
    needed: dict[str, str] = {}
    for group in ("mkdocs.themes", "mkdocs.plugins", "markdown.extensions"):
        points = {point.name: point for point in metadata.entry_points(group=group)}
        for name in names[group]:
            if name in points:
                needed[normal(points[name].dist.name)] = f"mkdocs.yml {group}: {name}"
            else:  # an extension named by its module (pymdownx.details)
                for dist in by_module.get(name.partition(".")[0], []):
                    needed[normal(dist)] = f"mkdocs.yml {group}: {name}"
    for module in names["modules"]:
        for dist in by_module.get(module, []):
            needed[normal(dist)] = f"mkdocs.yml tag: {module}"
    return needed


def requirements_of(dist: str) -> set[str]:
    """The distributions `dist` itself requires (any extra), normalised."""
    try:
        return {normal(Requirement(line).name) for line in metadata.requires(dist) or []}
    except metadata.PackageNotFoundError:
        return set()


def problems(
    imports: dict[str, dict[str, set[str]]],
    groups: dict[str, set[str]],
    site_needs: dict[str, str],
    not_imported: dict[str, str] = NOT_IMPORTED,
    not_declared: dict[str, str] = NOT_DECLARED,
) -> list[str]:
    """Everything wrong between the code's imports (role -> module -> files) and the declared groups,
    in words; [] when each import is declared where its role may use it and each declaration is used."""
    by_module = metadata.packages_distributions()
    found: list[str] = []
    used: dict[str, set[str]] = {group: set() for group in GROUPS}  # group -> distributions its role uses
    for part, modules in imports.items():
        allowed = set().union(*(groups[g] for g in MAY_USE[part]))
        for module, files in sorted(modules.items()):
            if module in not_declared:
                continue
            dists = {normal(d) for d in by_module.get(module, [])}
            where = ", ".join(sorted(files)[:3])
            if not dists:
                found.append(f"{module} ({where}): no installed distribution provides it; declare it")
                continue
            if not dists & allowed:
                homes = [g for g in GROUPS if dists & groups[g]] or ["nowhere"]
                found.append(
                    f"{module} ({'/'.join(sorted(dists))}), imported by {part} code ({where}), "
                    f"is declared in {', '.join(homes)}: {part} may use only {', '.join(sorted(MAY_USE[part]))}"
                )
            used[part] |= dists & groups[part]  # a group's place is earned by its own role's code
    for dist, why in sorted(site_needs.items()):
        provided = set().union(*(requirements_of(d) for d in groups["docs"] | groups["core"]))
        if dist in groups["docs"]:
            used["docs"].add(dist)
        elif dist not in provided | groups["core"]:
            found.append(f"{dist} ({why}) is in no group, nor required by one of docs' distributions")
    for group in GROUPS:
        for dist in sorted(groups[group] - used[group] - set(not_imported)):
            found.append(f"{dist} is declared in {group} but no {group} code imports it (nor mkdocs.yml)")
    return found


def test_every_import_is_declared_in_its_role_and_every_declaration_is_used():
    imports = third_party()
    assert "tensorflow" in imports["core"] and "nbgrader" in imports["nbgrader"]  # it reads them all
    assert "yaml" in imports["docs"] and "pexpect" in imports["dev"]
    assert problems(imports, declared(), distributions_named_by(mkdocs_names())) == []


def test_the_reasons_not_to_import_hold():
    groups = declared()
    assert set(NOT_IMPORTED) <= set().union(*groups.values())
    # tensorflow: exactly one of the twins on each platform, the other where it has no wheels.
    lines = [Requirement(line) for line in metadata.requires(PROJECT) or []]
    twins = {normal(r.name): r for r in lines if r.name.startswith("tensorflow")}
    assert set(twins) == {"tensorflow", "tensorflow-cpu"}
    for platform in ({"sys_platform": "linux", "platform_machine": m} for m in ("x86_64", "aarch64")):
        assert [twins[n].marker.evaluate(platform) for n in ("tensorflow", "tensorflow-cpu")].count(True) == 1
    assert "tensorflow" in metadata.packages_distributions()  # the module, from whichever is installed
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(VENV)/bin/ruff check ." in makefile and "pytest -n 2" in makefile
    assert "$(VENV)/bin/mypy" in makefile
    plugins = {normal(p.dist.name) for p in metadata.entry_points(group="pytest11")}
    assert "pytest-xdist" in plugins
    assert any("keras-course[nbgrader]" in line for line in metadata.requires(PROJECT) or [])
    notebook = (ROOT / "autograder" / "learner" / "notebook.py").read_text(encoding="utf-8")
    assert notebook.count("from IPython") == 1 and "from IPython" not in notebook.split("def ")[0]
    assert "IPython" not in {m for p in PARTS for m in third_party()[p] if p != "core"}


def test_the_core_modules_import_nothing_of_the_instructors_at_load_time():
    """`keras-course check` (and the rest of the core) loads without the nbgrader extra: its modules
    import the instructor's modules only inside the commands that need them."""
    loaded = []
    for path in code_files():
        if part_of(path) != "core" or not path.is_relative_to(ROOT / "autograder"):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.module
                else []
            )
            for name in names:
                file = name.replace(".", "/")
                if file.startswith(tuple(p.removesuffix(".py") for p in NBGRADER_MODULES)):
                    loaded.append(f"{path.relative_to(ROOT)}: {name}")
    assert loaded == []


def test_mkdocs_yml_is_read_for_what_it_loads():
    names = mkdocs_names()
    assert names["mkdocs.themes"] == {"material"} and {"search", "i18n"} <= names["mkdocs.plugins"]
    assert "pymdownx.snippets" in names["markdown.extensions"] and "pymdownx" in names["modules"]
    needs = distributions_named_by(names)
    assert {"mkdocs-material", "mkdocs-static-i18n", "pymdown-extensions", "mkdocs", "markdown"} <= set(needs)


# --- the checker, proven to fail: a fake repository with one wrong thing each ---------------------


@pytest.fixture
def fake_repo(tmp_path: Path) -> Path:
    for folder in ("autograder/authoring", "sitegen", "tests", "solutions"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "autograder" / "check.py").write_text("import numpy\nimport pytest\nimport rich\n")
    (tmp_path / "autograder" / "authoring" / "release.py").write_text("import nbformat\n")
    (tmp_path / "sitegen" / "build.py").write_text("def f():\n    import yaml\n")
    (tmp_path / "tests" / "test_x.py").write_text("import pytest\nfrom answers import x\n")
    (tmp_path / "tests" / "answers.py").write_text("x = 1\n")
    return tmp_path


FAKE_GROUPS = {
    "core": {"numpy", "rich", "pytest"},
    "nbgrader": {"nbformat"},
    "docs": {"pyyaml"},
    "dev": set(),
}


def test_the_checker_passes_a_fake_repository_declared_right(fake_repo):
    assert problems(third_party(fake_repo), FAKE_GROUPS, {}, {}, {}) == []


def test_the_checker_fails_an_undeclared_import(fake_repo):
    (fake_repo / "autograder" / "grade.py").write_text("def plot():\n    import matplotlib.pyplot\n")
    found = problems(third_party(fake_repo), FAKE_GROUPS, {}, {}, {})
    assert len(found) == 1 and found[0].startswith("matplotlib (matplotlib), imported by core code")
    assert "declared in nowhere" in found[0]


def test_the_checker_fails_an_import_declared_in_another_role(fake_repo):
    (fake_repo / "autograder" / "words.py").write_text("import yaml\n")  # core code, a docs dependency
    found = problems(third_party(fake_repo), FAKE_GROUPS, {}, {}, {})
    assert found == [
        "yaml (pyyaml), imported by core code (autograder/words.py), is declared in docs: core may use only core"
    ]
    (fake_repo / "autograder" / "words.py").unlink()
    (fake_repo / "autograder" / "read.py").write_text("import nbformat\n")
    assert "is declared in nbgrader" in problems(third_party(fake_repo), FAKE_GROUPS, {}, {}, {})[0]


def test_the_checker_fails_a_declaration_nothing_uses(fake_repo):
    groups = {**FAKE_GROUPS, "docs": {"pyyaml", "jupytext"}}
    found = problems(third_party(fake_repo), groups, {}, {}, {})
    assert found == ["jupytext is declared in docs but no docs code imports it (nor mkdocs.yml)"]
    assert problems(third_party(fake_repo), groups, {"jupytext": "mkdocs.yml plugins: x"}, {}, {}) == []
    assert problems(third_party(fake_repo), groups, {}, {"jupytext": "why"}, {}) == []


def test_the_checker_fails_a_core_dependency_only_an_extra_uses(fake_repo):
    groups = {**FAKE_GROUPS, "core": {*FAKE_GROUPS["core"], "nbformat"}}
    found = problems(third_party(fake_repo), groups, {}, {}, {})
    assert found == ["nbformat is declared in core but no core code imports it (nor mkdocs.yml)"]


def test_the_checker_fails_a_module_nothing_installed_provides(fake_repo):
    (fake_repo / "tests" / "test_y.py").write_text("import no_such_module_anywhere\n")
    found = problems(third_party(fake_repo), FAKE_GROUPS, {}, {}, {})
    assert found == [
        "no_such_module_anywhere (tests/test_y.py): no installed distribution provides it; declare it"
    ]


def test_the_checker_fails_a_site_need_in_no_group(fake_repo):
    found = problems(third_party(fake_repo), FAKE_GROUPS, {"mkdocs-material": "mkdocs.yml theme"}, {}, {})
    assert found == [
        "mkdocs-material (mkdocs.yml theme) is in no group, nor required by one of docs' distributions"
    ]
