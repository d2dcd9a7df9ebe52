"""The course site, built with `mkdocs build --strict` and read in a real browser (Debian's Chromium
driven by Playwright), with no network: every page of both languages loads cleanly, the diagram is
drawn, search works in Korean and English, the language switcher keeps the page, code blocks can be
copied. The page-load test saves screenshots of the step pages to build/site-screenshots/
(gitignored) for a person to review.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from autograder import site_pages
from autograder.steps import STEPS

from conftest import ROOT

# Keep every test of this module on one xdist worker: they share one build and one browser.
pytestmark = pytest.mark.xdist_group("site")

CHROMIUM = Path("/usr/bin/chromium")
# DESIGN.md §5: what makes Chromium start headless as root with nothing reaching the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LANGUAGE_ROOTS = {"ko": "", "en": "en/"}
PAGES = ("", "setup/", *(f"step{step.number}/" for step in STEPS), "glossary/", "instructor/")
BUILD_SECONDS = 10  # the budget for `mkdocs build --strict`
SCREENSHOTS = ROOT / "build" / "site-screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@dataclass
class Built:
    folder: Path
    seconds: float
    log: str


@dataclass
class Visit:
    """What loading one page did: console errors, failed and non-local requests."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("site")
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1"}
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "-f",
        str(ROOT / "mkdocs.yml"),
        "-d",
        str(folder),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-4000:]
    return Built(folder, seconds, done.stderr)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep pytest's output readable
        pass


@pytest.fixture(scope="module")
def base_url(built: Built) -> Iterator[str]:
    """The built site over HTTP on a free local port, as `make serve` would serve it."""
    handler = functools.partial(_QuietHandler, directory=str(built.folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    yield context
    context.close()


@pytest.fixture
def page(context: object) -> object:
    return context.new_page()


def watch(tab: object, url: str) -> Visit:
    """Record what `tab` does from now on: errors in the console, failed or non-local requests."""
    record = Visit(url)

    def on_console(message: object) -> None:
        if message.type == "error":
            record.console_errors.append(message.text)

    def on_response(response: object) -> None:
        if response.status >= 400:
            record.failed.append(f"{response.url} {response.status}")

    def on_request(request: object) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            record.external.append(request.url)

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: record.console_errors.append(str(error)))
    tab.on("requestfailed", lambda request: record.failed.append(f"{request.url} ({request.failure})"))
    tab.on("response", on_response)
    tab.on("request", on_request)
    return record


def visit(tab: object, url: str) -> Visit:
    """Load `url` in `tab` (a fresh one, so nothing of an earlier page is still loading)."""
    record = watch(tab, url)
    tab.goto(url, wait_until="load")
    tab.wait_for_load_state("networkidle")  # the search worker and its index load after `load`
    return record


def all_pages() -> list[tuple[str, str]]:
    return [(lang, path) for lang in LANGUAGE_ROOTS for path in PAGES]


# --- the build ------------------------------------------------------------------------------------


def test_strict_build_is_clean_and_fast(built: Built) -> None:
    warnings = [line for line in built.log.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert warnings == []
    assert built.seconds < BUILD_SECONDS, f"mkdocs build took {built.seconds:.1f} s"


def test_every_page_exists_in_both_languages(built: Built) -> None:
    for lang, path in all_pages():
        assert (built.folder / LANGUAGE_ROOTS[lang] / path / "index.html").is_file(), (lang, path)
    built_pages = {p.parent.relative_to(built.folder).as_posix() for p in built.folder.rglob("index.html")}
    expected = {f"{LANGUAGE_ROOTS[lang]}{path}".rstrip("/") or "." for lang, path in all_pages()}
    assert built_pages == expected  # no page missing from the nav, none left over


def test_code_on_the_site_is_the_solutions_without_nbgrader_markers(built: Built) -> None:
    """The code shown is read from solutions/ by line range: each function body appears, markers do not."""
    for lang in LANGUAGE_ROOTS:
        for step in STEPS:
            html = (built.folder / LANGUAGE_ROOTS[lang] / f"step{step.number}" / "index.html").read_text()
            text = re.sub(r"<[^>]+>", "", html).replace("&quot;", '"').replace("&#39;", "'")
            assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
            source = (ROOT / "solutions" / step.filename).read_text(encoding="utf-8")
            for start, end in site_pages.solution_ranges(source):
                for line in source.splitlines()[start - 1 : end]:
                    assert line.strip().replace("&", "&amp;") in text, (lang, step.filename, line)


# --- in the browser -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGE_ROOTS)
def test_every_page_loads_with_no_error_and_no_request_off_this_machine(
    lang: str, context: object, base_url: str
) -> None:
    """Each page in a fresh tab; step pages are also saved as screenshots for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for path in PAGES:
        tab = context.new_page()
        record = visit(tab, f"{base_url}{LANGUAGE_ROOTS[lang]}{path}")
        if path.startswith("step"):
            shot = SCREENSHOTS / f"{lang}-{path.strip('/')}.png"
            tab.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 50_000
        tab.close()
        if record.console_errors or record.failed or record.external:
            problems[record.url] = record
    assert problems == {}


def _mermaid_svgs(tab: object) -> list[dict]:
    """SVG elements inside mermaid's shadow roots (closed ones too: the DevTools protocol pierces them)."""
    session = tab.context.new_cdp_session(tab)
    root = session.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    found: list[dict] = []

    def walk(node: dict, in_mermaid: bool) -> None:
        attributes = dict(zip(node.get("attributes", [])[::2], node.get("attributes", [])[1::2]))
        mermaid = in_mermaid or "mermaid" in attributes.get("class", "").split()
        if mermaid and node.get("nodeName", "").lower() == "svg":
            found.append(node)
        for child in node.get("children", []) + node.get("shadowRoots", []):
            walk(child, mermaid)

    walk(root, False)
    return found


def _count(node: dict, predicate: object) -> int:
    return int(predicate(node)) + sum(_count(child, predicate) for child in node.get("children", []))


@pytest.mark.parametrize("lang", LANGUAGE_ROOTS)
def test_the_network_diagram_renders_to_svg(lang: str, page: object, base_url: str) -> None:
    visit(page, f"{base_url}{LANGUAGE_ROOTS[lang]}")
    page.wait_for_function("document.querySelector('div.mermaid') !== null")
    svgs = _mermaid_svgs(page)
    assert len(svgs) == 1
    # One edge per weight of the 1 -> 5 -> 3 -> 1 network: 5 + 15 + 3.
    edges = _count(
        svgs[0], lambda n: n.get("nodeName") == "path" and "flowchart-link" in str(n.get("attributes"))
    )
    assert edges == 5 + 15 + 3


def search(tab: object, url: str, query: str) -> list[str]:
    """Open `url` with `?q=` (Material runs the search from it) and return the result links."""
    tab.goto(f"{url}?q={quote(query)}", wait_until="load")
    tab.wait_for_selector(".md-search-result__item", timeout=15_000)
    return tab.eval_on_selector_all(".md-search-result__link", "links => links.map(a => a.href)")


@pytest.mark.parametrize("query", ["손실함수", "가중치", "MSE"])
def test_korean_search_finds(query: str, page: object, base_url: str) -> None:
    links = search(page, base_url, query)
    korean = [link for link in links if "/en/" not in link]
    assert korean, links


def test_english_search_finds_optimizer(page: object, base_url: str) -> None:
    links = search(page, f"{base_url}en/", "optimizer")
    assert any("/en/" in link for link in links), links


@pytest.mark.parametrize("path", ["", "step2/", "instructor/"])
def test_language_switcher_moves_between_the_same_page(path: str, page: object, base_url: str) -> None:
    visit(page, f"{base_url}{path}")
    for lang, root in (("en", "en/"), ("ko", "")):
        page.hover(".md-header__option .md-select")
        page.click(f".md-select__link[hreflang={lang}]")
        page.wait_for_load_state("load")
        assert page.url == f"{base_url}{root}{path}"
        assert page.eval_on_selector("html", "html => html.lang") == lang


@pytest.mark.parametrize("lang", LANGUAGE_ROOTS)
def test_code_blocks_have_a_copy_button_that_copies_the_code(lang: str, page: object, base_url: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    visit(page, f"{base_url}{LANGUAGE_ROOTS[lang]}step2/")
    blocks = page.locator(".highlight pre")
    buttons = page.locator('.highlight pre button[data-md-type="copy"]')
    assert blocks.count() > 5 and buttons.count() == blocks.count()
    first = blocks.first
    first.hover()
    first.locator('button[data-md-type="copy"]').click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == first.locator("code").inner_text().rstrip()
    assert copied.startswith(("import keras", "from keras")) and "model.add(Dense(5" in copied


def test_console_tables_line_up_with_hangul(page: object, base_url: str) -> None:
    """Each rich table row ends at the same x, although Hangul is wider than one column."""
    visit(page, f"{base_url}setup/")
    right_edges = page.evaluate(
        """() => {
          const code = [...document.querySelectorAll('.highlight code')].find(c => c.textContent.includes('┌'));
          const range = document.createRange();
          const edges = [];
          for (const node of [...code.childNodes].flatMap(n => n.nodeType === 3 ? [n] : [...n.childNodes])) {
            const text = node.nodeValue || '';
            for (let i = text.indexOf('│'); i !== -1; i = text.indexOf('│', i + 1)) {
              if (text[i + 1] === '\\n' || i === text.length - 1) {
                range.setStart(node, i); range.setEnd(node, i + 1);
                edges.push(Math.round(range.getBoundingClientRect().right));
              }
            }
          }
          return edges;
        }"""
    )
    assert len(right_edges) > 5 and len(set(right_edges)) == 1, right_edges
