// Names and keyboard access that Material's own markup lacks, added after Material has drawn a page
// (document$ emits once it has: tables wrapped, code blocks given their buttons). axe-core checks the
// result on every page (tests/test_site.py).
(() => {
  const korean = document.documentElement.lang === "ko";

  // The search overlay is a role="dialog" with no name: give it its input's (the placeholder).
  function nameSearch() {
    const dialog = document.querySelector('.md-search[role="dialog"]');
    const input = document.querySelector(".md-search__input");
    if (dialog && input) dialog.setAttribute("aria-label", input.getAttribute("aria-label") || input.placeholder);
  }

  // Each code block's buttons sit in a <nav>: landmarks need distinct names.
  function nameCodeButtons() {
    document.querySelectorAll(".md-code__nav").forEach((nav, i) => {
      nav.setAttribute("aria-label", korean ? `코드 블록 ${i + 1}의 버튼` : `buttons of code block ${i + 1}`);
    });
  }

  // The heading a table sits under (its nearest one before it), for the table's name.
  function headingBefore(element) {
    const headings = [...document.querySelectorAll(".md-content h1, .md-content h2, .md-content h3")];
    const before = headings.filter((h) => h.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING);
    const heading = before[before.length - 1];
    return heading ? heading.textContent.replace("¶", "").trim() : document.title;
  }

  // A table wider than the screen scrolls inside its wrapper: make that wrapper a named region the
  // keyboard can reach (Tab, then the arrow keys), and only while it does scroll.
  function reachableTables() {
    const names = new Map();
    document.querySelectorAll(".md-typeset__scrollwrap").forEach((wrap) => {
      if (wrap.scrollWidth <= wrap.clientWidth + 1) {
        ["tabindex", "role", "aria-label"].forEach((name) => wrap.removeAttribute(name));
        return;
      }
      const base = (korean ? "표: " : "table: ") + headingBefore(wrap);
      const count = (names.get(base) || 0) + 1;
      names.set(base, count);
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", count > 1 ? `${base} (${count})` : base);
    });
  }

  function fix() {
    nameSearch();
    nameCodeButtons();
    reachableTables();
  }

  if (window.document$) window.document$.subscribe(fix);
  else fix();
  addEventListener("resize", reachableTables);
})();
