"""The course site, built with `mkdocs build --strict` and read in a real browser (Debian's Chromium
driven by Playwright), with no network: every page of both languages loads cleanly with no axe-core
violation at a laptop's and a phone's width, the home page stays light and its diagram readable,
search works in Korean and English, each language searching its own pages, the language
switcher keeps the page, code blocks can be copied. It is also read as a person would read it: Hangul
drawn with the site's own font (no boxes on a machine without a Korean font), text contrast of at
least 4.5:1, Korean links and inline code wrapped between words, code never under the copy button,
a glossary readable on a phone, a Korean 404 page.
The page-load test saves screenshots of the step pages to build/site-screenshots/ (gitignored) for a
person to review."""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import resource
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from autograder.core.steps import STEPS
from sitegen import site_font
from sitegen.markdown import solution_ranges

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
GUIDE = sorted(p.stem for p in (ROOT / "docs" / "ko" / "instructor").glob("*.md"))  # the instructor guide
PAGES = ("", "setup/", *(f"step{step.number}/" for step in STEPS), "glossary/")
PAGES += tuple("instructor/" if page == "index" else f"instructor/{page}/" for page in GUIDE)
BUILD_SECONDS = 10  # the budget for `mkdocs build --strict`
SCREENSHOTS = ROOT / "build" / "site-screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
WIDTHS = (1280, 390)  # a laptop, a phone
# What the site's font draws (its CSS unicode-range): Hangul syllables, compatibility jamo, CJK punctuation.
HANGUL = re.compile(r"[\u3000-\u303f\u3131-\u318e\uac00-\ud7a3]")


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
    # CPU seconds of the build, not wall time: a busy machine stretches the wall clock (10.8 s seen at
    # load 12 for a build of 3 CPU seconds), and flaky is broken.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert done.returncode == 0, done.stderr[-4000:]
    return Built(folder, seconds, done.stderr)


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site as a static host does (GitHub Pages, `mkdocs serve`): a missing page gets 404.html."""

    def log_message(self, format: str, *args: object) -> None:  # keep pytest's output readable
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        not_found = Path(self.directory) / "404.html"
        if code != 404 or not not_found.is_file():
            return super().send_error(code, message, explain)
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="module")
def base_url(built: Built) -> Iterator[str]:
    """The built site over HTTP on a free local port, as `make serve` would serve it."""
    handler = functools.partial(_SiteHandler, directory=str(built.folder))
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


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def sized_context(request: pytest.FixtureRequest, browser: object) -> Iterator[object]:
    """A browser context as wide as a laptop's window, then as a phone's screen."""
    context = browser.new_context(viewport={"width": request.param, "height": 900}, locale="ko-KR")
    yield context
    context.close()


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


def _listed(found: dict[str, list[str]]) -> str:
    """A failure message that shows every offender, page by page."""
    return "\n".join(
        f"{where}:\n" + "\n".join(f"    {item}" for item in items) for where, items in found.items()
    )


# --- the build ------------------------------------------------------------------------------------


def test_strict_build_is_clean_and_fast(built: Built) -> None:
    warnings = [line for line in built.log.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert warnings == []
    assert built.seconds < BUILD_SECONDS, f"mkdocs build took {built.seconds:.1f} CPU seconds"


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
            for start, end in solution_ranges(source):
                for line in source.splitlines()[start - 1 : end]:
                    assert line.strip().replace("&", "&amp;") in text, (lang, step.filename, line)


# --- in the browser -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGE_ROOTS)
def test_every_page_loads_with_no_error_and_no_request_off_this_machine(lang: str, readings: dict) -> None:
    """Each page in a fresh tab, at a laptop's and a phone's width (see `readings`)."""
    problems = {
        where: r.visit
        for where, r in _pages(readings, lang=lang)
        if r.visit.console_errors or r.visit.failed or r.visit.external
    }
    assert problems == {}
    shots = sorted(SCREENSHOTS.glob(f"{lang}-step*.png"))
    assert len(shots) == len(STEPS) and all(shot.stat().st_size > 50_000 for shot in shots)


NETWORK = "figure.network svg"
# The network diagram's text, at its drawn size: font size times the SVG's scale, and its box.
DIAGRAM_TEXT = """svg => [...svg.querySelectorAll("text")].map(text => {
  const box = text.getBoundingClientRect(), frame = svg.getBoundingClientRect();
  return {
    text: text.textContent,
    px: parseFloat(getComputedStyle(text).fontSize) * svg.getScreenCTM().a,
    inside: box.left >= frame.left - 0.5 && box.right <= frame.right + 0.5 && box.right <= innerWidth,
  };
})"""


@pytest.mark.parametrize("lang", LANGUAGE_ROOTS)
def test_the_network_diagram_is_drawn_readable_and_described(
    lang: str, browser: object, base_url: str
) -> None:
    """Inline SVG drawn at build time: a line per weight (5 + 15 + 3), a text alternative, and at a
    phone's width every label at least 12 px and inside the drawing."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    tab = context.new_page()
    visit(tab, f"{base_url}{LANGUAGE_ROOTS[lang]}")
    svg = tab.locator(NETWORK)
    assert svg.count() == 1 and svg.get_attribute("role") == "img"
    assert svg.locator("line.weight").count() == 5 + 15 + 3
    assert svg.locator("g.node").count() == 1 + 5 + 3 + 1
    title, desc = (svg.locator(f"#network-{part}").text_content() for part in ("title", "desc"))
    assert svg.get_attribute("aria-labelledby") == "network-title network-desc"
    assert "23" in desc and "32" in desc and "Dense(5)" in desc and title
    labels = svg.evaluate(DIAGRAM_TEXT)
    assert len(labels) == 2 + 3 * 2 + 1  # x, ŷ, each layer's name and count, "input"
    small = [label for label in labels if label["px"] < 12 or not label["inside"]]
    assert small == [], small
    context.close()


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


# --- search: one index per language ---------------------------------------------------------------


def _language_of(url: str) -> str:
    return "en" if urlsplit(url).path.startswith("/en/") else "ko"


@pytest.mark.parametrize(("lang", "query"), [("ko", "Sequential"), ("en", "Sequential"), ("en", "optimizer")])
def test_search_finds_pages_of_the_readers_language_only(
    lang: str, query: str, page: object, base_url: str
) -> None:
    """`Sequential` is on pages of both languages: each language's search box finds its own only."""
    links = search(page, f"{base_url}{LANGUAGE_ROOTS[lang]}", query)
    assert links and {_language_of(link) for link in links} == {lang}, links


def test_each_language_has_its_own_search_index(built: Built) -> None:
    for lang, root in LANGUAGE_ROOTS.items():
        index = json.loads((built.folder / root / "search" / "search_index.json").read_text())
        pages = {entry["location"].split("#")[0] for entry in index["docs"]}
        assert pages == {path for path in PAGES}, (lang, pages)  # relative to the language's folder


# --- the 404 page ---------------------------------------------------------------------------------


def _language_links_work(tab: object) -> list[str]:
    """Problems with the page's language switcher: each link must open a page in its language."""
    links = tab.eval_on_selector_all(
        ".md-select__link[hreflang]", "links => links.map(a => [a.hreflang, a.href])"
    )
    problems = [] if {lang for lang, _ in links} == set(LANGUAGE_ROOTS) else [f"languages: {links}"]
    for lang, href in links:
        response = tab.request.get(href)
        found = re.search(r'<html lang="(\w+)"', response.text())
        if response.status != 200 or not found or found[1] != lang:
            problems.append(f"{lang} -> {href}: {response.status} {found and found[1]}")
    return problems


def test_a_missing_page_shows_the_korean_404_page_with_working_language_links(
    page: object, base_url: str
) -> None:
    """The root 404.html, served for any missing address, is Korean and its switcher leads home."""
    record = watch(page, f"{base_url}no-such-page/")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(record.url, wait_until="load")
    page.wait_for_load_state("networkidle")
    assert response.status == 404
    assert page.eval_on_selector("html", "html => html.lang") == "ko"
    assert "찾을 수 없습니다" in page.inner_text("article")
    assert _language_links_work(page) == []
    assert record.failed == [f"{record.url} 404"]  # the page itself, nothing it loads
    assert [error for error in record.console_errors if "status of 404" not in error] == []
    assert record.external == []


def test_english_has_its_own_404_page(page: object, base_url: str) -> None:
    response = page.goto(f"{base_url}en/404.html", wait_until="load")
    assert response.status == 200
    assert page.eval_on_selector("html", "html => html.lang") == "en"
    assert "not found" in page.inner_text("article").lower()
    assert _language_links_work(page) == []


# --- every page, read once at each width ---------------------------------------------------------

READING_JS = (Path(__file__).parent / "site_reading.js").read_text(encoding="utf-8")


@dataclass
class Reading:
    """What one page showed at one width (measured by tests/site_reading.js and the DevTools protocol)."""

    visit: Visit
    requests: list[str]
    axe: list[str]  # axe-core's violations: "rule-id selector"
    contrast: dict  # {checked: pieces of text, low: those under WCAG AA}
    code_blocks: list[dict]
    under_the_buttons: dict  # {blocks, scrolled: blocks wider than the screen, covered: first lines}
    link_lines: dict | None = None  # Korean pages at a phone's width
    code_breaks: list[str] | None = None  # inline code split inside a word, at a phone's width
    hangul_fonts: tuple[int, list[str]] | None = None  # at a laptop's width


def _hangul_fonts(tab: object) -> tuple[int, list[str]]:
    """(Hangul characters drawn with the site's font, elements whose Hangul another font drew).

    Chromium reports which fonts drew each element's text (DevTools' "Rendered Fonts"). This
    machine has NanumGothic installed, so a missing glyph would still be drawn here, by the system's
    font; on a machine without a Korean font it would be a box. So every Hangul character must be
    drawn by the site's own font.
    """
    tab.evaluate("document.fonts.ready.then(() => true)")
    session = tab.context.new_cdp_session(tab)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    elements: list[tuple[int, str]] = []

    def walk(node: dict) -> None:
        children = node.get("children", []) + node.get("shadowRoots", [])
        own = "".join(child.get("nodeValue", "") for child in children if child.get("nodeType") == 3)
        if (
            node.get("nodeType") == 1
            and node["nodeName"] not in ("SCRIPT", "STYLE", "TITLE")
            and HANGUL.search(own)
        ):
            elements.append((node["nodeId"], own))
        for child in children:
            walk(child)

    walk(root)
    drawn, others = 0, []
    for node_id, text in elements:
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]
        ours = sum(
            f["glyphCount"] for f in fonts if f["isCustomFont"] and f["familyName"] == site_font.FAMILY
        )
        if fonts and ours < len(HANGUL.findall(text)):  # no fonts: not drawn at all (display: none)
            others.append(f"{text.strip()[:40]!r}: {[(f['familyName'], f['glyphCount']) for f in fonts]}")
        drawn += ours
    session.detach()
    return drawn, others


def _transferred(request: object) -> int:
    sizes = request.sizes()
    return sizes["responseHeadersSize"] + sizes["responseBodySize"]


def axe_violations(tab: object) -> list[str]:
    """axe-core's violations on the page (the rules of axe-playwright-python's bundled axe.min.js), as
    "rule-id selector", less those of KNOWN_AXE_VIOLATIONS."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(tab).response["violations"]
    return [
        f"{rule['id']} {' '.join(map(str, node['target']))}: {rule['help']}"
        for rule in found
        for node in rule["nodes"]
        if (rule["id"], " ".join(map(str, node["target"]))) not in KNOWN_AXE_VIOLATIONS
    ]


# What axe finds that the project cannot fix (inside Material's own markup, which no override reaches):
# (rule id, selector) -> why. None at the moment; a11y.js names Material's search dialog and code-button
# landmarks and makes its table wrappers reachable, extra.css gives its footer enough contrast.
KNOWN_AXE_VIOLATIONS: dict[tuple[str, str], str] = {}


def _read(tab: object, url: str, lang: str, width: int) -> Reading:
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    record = visit(tab, url)
    tab.evaluate(READING_JS)
    return Reading(
        visit=record,
        requests=requests,
        axe=axe_violations(tab),
        code_breaks=tab.evaluate("siteReading.codeBreaks()") if width == 390 else None,
        contrast=tab.evaluate("siteReading.lowContrast()"),
        code_blocks=tab.evaluate("siteReading.codeBlocks()"),
        link_lines=tab.evaluate("siteReading.linkLines()") if (lang, width) == ("ko", 390) else None,
        hangul_fonts=_hangul_fonts(tab) if width == 1280 else None,
        under_the_buttons=tab.evaluate("siteReading.underTheButtons()"),  # last: it scrolls code blocks
    )


@pytest.fixture(scope="module")
def readings(browser: object, base_url: str) -> dict[tuple[int, str, str], Reading]:
    """Every page of both languages at each width, each in a fresh tab; (width, lang, path) -> Reading.

    Step pages at a laptop's width are also saved as screenshots for a person to look at.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="ko-KR")
        for lang, path in all_pages():
            tab = context.new_page()
            found[width, lang, path] = _read(tab, f"{base_url}{LANGUAGE_ROOTS[lang]}{path}", lang, width)
            if width == 1280 and path.startswith("step"):
                tab.screenshot(path=str(SCREENSHOTS / f"{lang}-{path.strip('/')}.png"), full_page=True)
            tab.close()
        context.close()
    return found


def _pages(
    readings: dict, width: int | None = None, lang: str | None = None
) -> Iterator[tuple[str, Reading]]:
    """(where, reading) of the pages read at `width` in `lang` (all when None)."""
    for (read_at, read_in, path), reading in readings.items():
        if width in (None, read_at) and lang in (None, read_in):
            yield f"{read_at}px {LANGUAGE_ROOTS[read_in]}{path}", reading


HOME_BUDGET = 1_200_000  # bytes; 4.47 MB when mermaid drew the one diagram, about 0.9 MB without


@pytest.mark.parametrize("lang", LANGUAGE_ROOTS)
def test_the_home_page_stays_light_and_loads_no_diagram_script(
    lang: str, browser: object, base_url: str
) -> None:
    """What the browser receives for the home page on a phone, with nothing cached: the page, its
    styles, scripts, fonts and the search index."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    tab = context.new_page()
    bytes_in: list[int] = []
    urls: list[str] = []
    tab.on(
        "requestfinished", lambda request: (bytes_in.append(_transferred(request)), urls.append(request.url))
    )
    visit(tab, f"{base_url}{LANGUAGE_ROOTS[lang]}")
    context.close()
    assert 300_000 < sum(bytes_in) < HOME_BUDGET, f"{sum(bytes_in)} bytes"  # fonts and index counted
    assert [url for url in urls if "mermaid" in url] == []


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_violation_on_any_page(width: int, readings: dict) -> None:
    """axe-core (WCAG A and AA rules and best practices) on every page of both languages."""
    found = {where: r.axe for where, r in _pages(readings, width) if r.axe}
    assert found == {}, _listed(found)


# --- the Hangul font ------------------------------------------------------------------------------


def _site_text(built: Built) -> str:
    """Every HTML file's text, with entities and JSON escapes (Material's translations) decoded."""
    text = "".join(page.read_text(encoding="utf-8") for page in built.folder.rglob("*.html"))
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), html.unescape(text))


def test_the_font_draws_every_hangul_character_of_the_site(built: Built) -> None:
    used = set(HANGUL.findall(_site_text(built)))
    assert len(used) > 300  # both languages' pages were read
    for face in site_font.FACES:
        shipped = built.folder / "assets" / "fonts" / face.path.name
        assert sorted(used - site_font.cmap(shipped)) == [], face.path.name
    assert (built.folder / "assets" / "fonts" / "OFL.txt").is_file()
    assert sum(face.path.stat().st_size for face in site_font.FACES) < 600_000


@pytest.mark.parametrize("lang", LANGUAGE_ROOTS)
def test_hangul_is_drawn_with_the_sites_own_font(lang: str, readings: dict) -> None:
    others = {where: r.hangul_fonts[1][:5] for where, r in _pages(readings, 1280, lang) if r.hangul_fonts[1]}
    assert others == {}, _listed(others)
    assert sum(r.hangul_fonts[0] for _, r in _pages(readings, 1280, lang)) > 10  # 한국어, the switcher


# --- reading: wrapping, contrast, code blocks -----------------------------------------------------


def test_korean_links_wrap_between_words_only(readings: dict) -> None:
    """At a phone's width, no link breaks a Korean word in two (such as 데이터 구/성 in the steps table)."""
    pages = list(_pages(readings, 390, "ko"))
    inside = {where: r.link_lines["insideWords"] for where, r in pages if r.link_lines["insideWords"]}
    assert inside == {}, _listed(inside)
    assert sum(r.link_lines["betweenWords"] for _, r in pages) > 0  # some links were long enough to wrap


def test_inline_code_is_never_broken_inside_a_word(readings: dict) -> None:
    """At a phone's width an identifier (`build_model()`, `step4.optimizer_steps`) stays on one line."""
    broken = {where: r.code_breaks for where, r in _pages(readings, 390) if r.code_breaks}
    assert broken == {}, _listed(broken)


@pytest.mark.parametrize("width", WIDTHS)
def test_all_text_has_enough_contrast(width: int, readings: dict) -> None:
    """WCAG AA: at least 4.5:1 for text, 3:1 for large text (24 px, or 18.66 px bold), on every page.

    The site has one palette (mkdocs.yml's theme.palette); a second one (a dark scheme) would need
    its own reading, with the scheme switched on.
    """
    schemes = re.findall(r"^\s*-?\s*scheme:", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert len(schemes) == 1, "read the pages with each palette's scheme too"
    pages = list(_pages(readings, width))
    low = {where: sorted(set(r.contrast["low"])) for where, r in pages if r.contrast["low"]}
    assert low == {}, _listed(low)
    assert all(r.contrast["checked"] > 20 for _, r in pages)  # the text was found


@pytest.mark.parametrize("lang", LANGUAGE_ROOTS)
def test_the_diagrams_labels_have_enough_contrast(lang: str, page: object, base_url: str) -> None:
    """The network diagram's labels on their circles and on the page; a label greyed out to #bbb is
    caught, so the reading does see the diagram's text."""
    visit(page, f"{base_url}{LANGUAGE_ROOTS[lang]}")
    page.evaluate(READING_JS)
    svg = page.locator(NETWORK)
    reading = svg.evaluate("svg => siteReading.diagramContrast(svg)")
    assert reading["low"] == [] and reading["checked"] >= 9  # x, ŷ, the layers' names and counts
    svg.evaluate("svg => svg.querySelector('text').style.setProperty('fill', '#bbb', 'important')")
    broken = svg.evaluate("svg => siteReading.diagramContrast(svg)")
    assert len(broken["low"]) == 1 and "diagram" in broken["low"][0], broken


# Links a reader points at, by where they are: the page's own text, the navigation, the table of
# contents and the footer's previous/next.
HOVERED = {
    "content": ".md-content .md-typeset a:not(.headerlink)",
    "navigation": ".md-nav--primary .md-nav__link[href]",
    "contents": ".md-nav--secondary .md-nav__link[href]",
    "footer": ".md-footer__link",
}


def _hovered_contrast(tab: object) -> dict[str, dict]:
    """Each kind of link's first visible one, under the mouse: siteReading.contrastOf it."""
    found = {}
    for kind, selector in HOVERED.items():
        links = tab.locator(selector)
        for index in range(links.count()):
            link = links.nth(index)
            if link.is_visible():
                link.hover()
                tab.wait_for_timeout(300)  # Material's colour transitions take 250 ms
                found[kind] = link.evaluate("link => siteReading.contrastOf(link)")
                break
    tab.mouse.move(0, 0)
    return found


@pytest.mark.parametrize("lang", LANGUAGE_ROOTS)
def test_links_keep_enough_contrast_under_the_mouse(lang: str, page: object, base_url: str) -> None:
    """Hovering changes a link's colour (the theme's accent): each kind of link still reads at 4.5:1,
    and a hover colour too light (#f0a080 on white) is caught."""
    page.set_viewport_size({"width": 1280, "height": 900})
    visit(page, f"{base_url}{LANGUAGE_ROOTS[lang]}step2/")
    page.evaluate(READING_JS)
    hovered = _hovered_contrast(page)
    assert set(hovered) == set(HOVERED), f"not found on the page: {set(HOVERED) - set(hovered)}"
    assert {kind: r["low"] for kind, r in hovered.items() if r["low"]} == {}
    assert all(r["checked"] > 0 for r in hovered.values())
    page.add_style_tag(content="a:hover, a:hover * { color: #f0a080 !important; }")
    too_light = _hovered_contrast(page)
    assert all(r["low"] for r in too_light.values()), too_light


def test_columns_are_aligned_only_in_console_tables(readings: dict) -> None:
    """Hangul in Python and bash code keeps its own width; in the console's tables it takes two columns."""
    kinds, wrong = set(), []
    for where, reading in _pages(readings, 1280):
        for block in reading.code_blocks:
            console_table = block["language"] == "language-text" and block["table"]
            if block["hangul"]:
                kinds.add((block["language"], console_table))
            # aligned outside a console table, or a console table with Hangul left unaligned
            if block["aligned"] != console_table and (block["aligned"] or block["hangul"]):
                wrong.append(f"{where} {block['language']}: {block['start']!r}")
    assert wrong == [], "\n".join(wrong)
    assert {("language-text", True), ("language-python", False)} <= kinds  # both kinds were seen


@pytest.mark.parametrize("width", WIDTHS)
def test_code_is_never_under_the_copy_button(width: int, readings: dict) -> None:
    pages = [r.under_the_buttons for _, r in _pages(readings, width)]
    covered = {where: r.under_the_buttons["covered"] for where, r in _pages(readings, width)}
    covered = {where: lines for where, lines in covered.items() if lines}
    assert covered == {}, _listed(covered)
    assert sum(page["blocks"] for page in pages) > 100 and sum(page["scrolled"] for page in pages) > 0


# --- recorded checker output ----------------------------------------------------------------------

CODE_BLOCK = re.compile(
    r'<div class="[^"]*highlight">(?:<span class="filename">([^<]*)</span>)?<pre>.*?<code>(.*?)</code>', re.S
)
TRUNCATED_CELL = re.compile(r"…[ ]*[│┃]")  # rich's overflow mark at the end of a table cell


def truncated_output(page_html: str) -> list[str]:
    """Lines of recorded console output that lost characters to a truncation mark (…).

    The checker's output (`keras-course ...`) has no … at all; other recorded output uses … on
    purpose (a shortened path, left-out lines), but never at the end of a table cell.
    """
    found = []
    for title, code in CODE_BLOCK.findall(page_html):
        text = html.unescape(re.sub(r"<[^>]+>", "", code))
        checker = "keras-course" in title
        found += [
            line for line in text.splitlines() if ("…" in line if checker else TRUNCATED_CELL.search(line))
        ]
    return found


def test_recorded_checker_output_is_never_truncated(built: Built) -> None:
    truncated = {}
    for page in sorted(built.folder.rglob("index.html")):
        lines = truncated_output(page.read_text(encoding="utf-8"))
        if lines:
            truncated[page.parent.relative_to(built.folder).as_posix()] = lines[:5]
    assert truncated == {}, _listed(truncated)
    # and it would see one
    sample = '<div class="highlight"><span class="filename">keras-course check</span><pre><code>│ 3… │</code>'
    assert truncated_output(sample) == ["│ 3… │"]


# --- at a phone's width: the glossary, wide tables, the way to the exercise ------------------------

GLOSSARY_READING = """() => [...document.querySelectorAll(".md-content dl.glossary > dt")].map(dt => {
  const dd = dt.nextElementSibling, boxes = [dt, dd].map(e => e.getBoundingClientRect());
  return {
    id: dt.id,
    step: Number(dt.dataset.step),
    inside: dd.tagName === "DD" && dd.textContent.trim() !== ""
      && boxes.every(box => box.left >= 0 && box.right <= innerWidth && box.width > 150),
  };
})"""


@pytest.mark.parametrize("lang", LANGUAGE_ROOTS)
def test_the_glossary_reads_on_a_phone_in_its_stated_order(lang: str, browser: object, base_url: str) -> None:
    """At 390 px every term and its definition are on the screen, each term has an anchor (the same in
    both languages, unique on the page) and the terms come as the page says: by the step that explains
    them (a heading per step), in glossary.yml's order within a step."""
    from sitegen.site_pages import glossary_terms, term_id

    context = browser.new_context(viewport={"width": 390, "height": 900})
    tab = context.new_page()
    visit(tab, f"{base_url}{LANGUAGE_ROOTS[lang]}glossary/")
    terms = tab.evaluate(GLOSSARY_READING)
    expected = sorted(glossary_terms(), key=lambda term: term["step"])  # stable: the file's order within
    assert [t["id"] for t in terms] == [term_id(term) for term in expected]
    assert [t["step"] for t in terms] == [term["step"] for term in expected]
    assert [t["id"] for t in terms if not t["inside"]] == []
    ids = tab.eval_on_selector_all("[id]", "all => all.map(e => e.id)")
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    headings = tab.eval_on_selector_all(".md-content h2[id^='terms-step']", "hs => hs.map(h => h.id)")
    assert headings == [f"terms-step{step.number}" for step in STEPS]
    stated = {
        "ko": "단계별로 묶었고(1단계부터)",
        "en": "grouped by the step that explains them, step 1 first",
    }
    assert stated[lang] in tab.inner_text("article")
    assert tab.locator("#keras2-errors + p + .md-typeset__scrollwrap table tbody tr").count() > 3
    tab.goto(f"{base_url}{LANGUAGE_ROOTS[lang]}glossary/#learning-rate")  # another page's link to a term
    assert tab.locator("#learning-rate").is_visible()
    context.close()


def test_a_wide_table_scrolls_from_the_keyboard(browser: object, base_url: str) -> None:
    """At 390 px a table wider than the screen is a named region the Tab key reaches and the arrow keys
    scroll; a table that fits is no Tab stop."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    tab = context.new_page()
    visit(tab, f"{base_url}step5/")
    wide = tab.locator(".md-typeset__scrollwrap[tabindex='0']")
    assert wide.count() > 0
    first = wide.first.element_handle()
    assert first.get_attribute("role") == "region" and first.get_attribute("aria-label").startswith("표: ")
    first.focus()
    tab.keyboard.press("ArrowRight")
    tab.wait_for_function("el => el.scrollLeft > 0", arg=first)
    tab.set_viewport_size({"width": 1600, "height": 900})  # now some fit
    tab.wait_for_timeout(300)
    stops = tab.eval_on_selector_all(
        ".md-typeset__scrollwrap",
        "all => all.map(w => [w.scrollWidth > w.clientWidth + 1, w.getAttribute('tabindex') === '0'])",
    )
    assert all(scrolls == stop for scrolls, stop in stops) and [False, False] in stops, stops
    context.close()


@pytest.mark.parametrize("lang", LANGUAGE_ROOTS)
def test_a_step_page_starts_with_a_way_to_its_exercise(lang: str, browser: object, base_url: str) -> None:
    """On a phone step 5's exercise is several screens down: a link on the first screen leads to it."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    tab = context.new_page()
    visit(tab, f"{base_url}{LANGUAGE_ROOTS[lang]}step5/")
    exercise = tab.locator("h2#exercise")
    assert exercise.bounding_box()["y"] > 3 * 900  # the problem: far down the page
    jump = tab.locator(".md-content a[href='#exercise']").first
    assert jump.bounding_box()["y"] < 300 and jump.is_visible()
    jump.click()
    tab.wait_for_function("() => location.hash === '#exercise'")
    tab.wait_for_timeout(300)
    assert 0 <= exercise.bounding_box()["y"] < 300
    context.close()
