"""The licence and the credit: LICENSE in the repository and in the wheel, and the Korean tutorial the
course is based on named, with its link, in the README, on both home pages and in every page's footer."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

TITLE = "02-1 keras Tutorial01- Sequential Model 구현"
# The tutorial's own link (the Colab one it ends with) names this notebook on GitHub.
NOTEBOOK = "https://github.com/elbicuderri/keras_tutorial/blob/master/keras_DNN_1.ipynb"
COPYRIGHT = "Copyright (c) 2026 keras-course contributors"


def credits(text: str) -> bool:
    """Whether `text` names the tutorial and links its notebook."""
    return TITLE in text and (f"({NOTEBOOK})" in text or f'href="{NOTEBOOK}"' in text)


def licence_files(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return [n for n in archive.namelist() if ".dist-info/licenses/" in n or n.endswith("/LICENSE")]


def test_the_licence_is_mit_and_pyproject_names_its_file():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n") and COPYRIGHT in licence
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in project and 'license-files = ["LICENSE"]' in project


@pytest.mark.parametrize("page", ["README.md", "docs/ko/index.md", "docs/en/index.md"])
def test_the_tutorial_is_credited_with_its_link(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    assert credits(text)
    assert "colab.research.google.com/github/elbicuderri/keras_tutorial" in text


def test_every_page_footer_credits_the_tutorial_in_each_language():
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    english = next(p for p in config["plugins"] if "i18n" in p)["i18n"]["languages"][1]
    for copyright in (config["copyright"], english["copyright"]):
        assert credits(copyright) and "2026 keras-course contributors" in copyright and "MIT" in copyright
    assert "라이선스" in config["copyright"] and "licence" in english["copyright"]


def test_the_credit_check_fails_without_the_link_or_the_title():
    assert credits(f'{TITLE} (<a href="{NOTEBOOK}">x</a>)') and credits(f"{TITLE} [x]({NOTEBOOK})")
    assert not credits(f"{TITLE}, a Korean tutorial")
    assert not credits(f"a tutorial [x]({NOTEBOOK})")


def test_the_wheel_carries_the_licence(tmp_path):
    # Built from a copy: an in-tree build rewrites ROOT's egg-info while the image tests' pip reads it.
    source = tmp_path / "source"
    shutil.copytree(ROOT / "autograder", source / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("keras_course-*.whl")
    (licence,) = licence_files(wheel)
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(licence).decode() == (ROOT / "LICENSE").read_text(encoding="utf-8")
        metadata = archive.read(licence.split("/")[0] + "/METADATA").decode()
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata
    # The same look at a wheel without it finds nothing.
    with zipfile.ZipFile(tmp_path / "bare.whl", "w") as bare:
        bare.writestr("keras_course-0.1.0.dist-info/METADATA", "Name: keras-course\n")
    assert licence_files(tmp_path / "bare.whl") == []
