"""MkDocs hook: the vendored mermaid script (3.5 MB) loads only on pages that draw a diagram.

mkdocs.yml lists it in `extra_javascript`, so every page would load it. Material draws each
`.mermaid` block with the global `mermaid` once the page has loaded: a page with a block keeps the
script tag, a page without one loses it.
"""

from __future__ import annotations

import re

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

SCRIPT = re.compile(r'<script src="[^"]*assets/vendor/mermaid/mermaid\.min\.js"></script>\s*')
DIAGRAM = re.compile(r'class="mermaid"')


def without_unused_mermaid(html: str) -> str:
    return html if DIAGRAM.search(html) else SCRIPT.sub("", html)


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    return without_unused_mermaid(output)


def on_post_template(output: str, template_name: str, config: MkDocsConfig) -> str:
    return without_unused_mermaid(output) if template_name.endswith(".html") else output  # 404.html
