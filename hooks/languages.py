"""MkDocs hook: each language of the site gets its own search index and its own 404 page.

mkdocs-static-i18n builds the default language (ko) at the site's root, then each other language
(en) into its folder, with the same MkDocs config, and merges every language's pages into one
search index at search/search_index.json; the last language built also overwrites the root 404.html
(its issue #284). So, after each language's build, this hook keeps what that build wrote (its search
index, its 404 page), and writes each where it belongs: the default language's at the root, the
others' under their folder (en/search/search_index.json, en/404.html). Material finds the search
index from the page's `base` (the site root, in its `__config`): on a page of another language,
`base` becomes that language's folder.

The 404 page also gets language links to each language's home: Material's language switcher there
would otherwise show the links of the last page built.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import CombinedEvent, event_priority
from mkdocs.structure.pages import Page

SEARCH_INDEX = Path("search", "search_index.json")
CONFIG_SCRIPT = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)

# What each language's build wrote, by language: its search index and its 404 page.
_search_indexes: dict[str, dict] = {}
_not_found_pages: dict[str, str] = {}


def _language(config: MkDocsConfig) -> str:
    """The language being built: mkdocs-static-i18n sets Material's `theme.language` for each."""
    return config.theme["language"]


def _default_language(config: MkDocsConfig) -> str:
    return config.plugins["i18n"].default_language


def _folder(config: MkDocsConfig, language: str) -> str:
    """Where a language lives, from the site root: "" for the default, "en/" for English."""
    return "" if language == _default_language(config) else f"{language}/"


def _with_language_base(html: str, folder: str) -> str:
    """The page's Material config with `base` moved to the language's folder (trailing slash kept)."""

    def rebase(match: re.Match) -> str:
        app = json.loads(match[2])
        app["base"] = f"{app['base'].rstrip('/')}/{folder}"
        return match[1] + json.dumps(app).replace("<", "\\u003c") + match[3]  # as Jinja's tojson

    return CONFIG_SCRIPT.sub(rebase, html, count=1)


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    folder = _folder(config, _language(config))
    return _with_language_base(output, folder) if folder else output


def on_template_context(context: dict, template_name: str, config: MkDocsConfig) -> dict:
    """On the 404 page, the language switcher leads to each language's home page."""
    if template_name == "404.html":
        site = urlsplit(config.site_url or "").path.rstrip("/")
        homes = [
            {**alt, "link": f"{site}/{_folder(config, alt['lang'])}"} for alt in config.extra["alternate"]
        ]
        # mkdocs-static-i18n sets each page's links as an attribute, config.extra.alternate, which
        # Jinja reads before the item config.extra["alternate"]: set both.
        config.extra["alternate"] = homes
        config.extra.alternate = homes
    return context


@event_priority(-100)  # after the other hooks and plugins changed it
def on_post_template(output: str, template_name: str, config: MkDocsConfig) -> str:
    if template_name != "404.html":
        return output
    folder = _folder(config, _language(config))
    _not_found_pages[_language(config)] = _with_language_base(output, folder) if folder else output
    return output


@event_priority(-50)  # after the search plugin wrote this language's index, before i18n's next build
def _keep_search_index(config: MkDocsConfig) -> None:
    path = Path(config.site_dir) / SEARCH_INDEX
    if not path.exists():
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    folder = _folder(config, _language(config))
    for entry in index["docs"]:  # relative to the language's folder, as its pages' `base` is
        entry["location"] = entry["location"].removeprefix(folder)
    _search_indexes[_language(config)] = index


@event_priority(-150)  # after mkdocs-static-i18n merged the languages' indexes into one
def _write_per_language(config: MkDocsConfig) -> None:
    site = Path(config.site_dir)
    for language, index in _search_indexes.items():
        folder = _folder(config, language)
        (site / folder / SEARCH_INDEX).parent.mkdir(parents=True, exist_ok=True)
        (site / folder / SEARCH_INDEX).write_text(
            json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
    for language, html in _not_found_pages.items():
        (site / _folder(config, language) / "404.html").write_text(html, encoding="utf-8")


on_post_build = CombinedEvent(_keep_search_index, _write_per_language)
