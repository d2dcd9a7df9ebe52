"""The words of the site's generated parts, from docs/_snippets/words.yml: one entry per phrase, its
Korean and English side by side, so neither language can lose a phrase the other has."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from autograder.core.steps import LANGUAGES

WORDS_YML = Path(__file__).resolve().parent.parent / "docs" / "_snippets" / "words.yml"


@functools.cache
def _groups() -> dict[str, dict[Any, dict[str, str]]]:
    import yaml

    groups = yaml.safe_load(WORDS_YML.read_text(encoding="utf-8"))
    for group, entries in groups.items():
        for key, entry in entries.items():
            if not isinstance(entry, dict) or set(entry) != set(LANGUAGES):
                raise ValueError(f"{WORDS_YML.name}: {group}.{key} needs exactly {', '.join(LANGUAGES)}")
    return groups


def words(group: str, lang: str) -> dict[Any, str]:
    """A group's phrases in one language, by key (`words("pages", "ko")["check"] == "검사"`)."""
    return {key: entry[lang] for key, entry in _groups()[group].items()}
