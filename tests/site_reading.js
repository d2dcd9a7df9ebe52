// What tests/test_site.py measures on a page of the built site, as a reader would see it.
// Evaluated in the page: it defines window.siteReading.
window.siteReading = (() => {
  const HANGUL = /[\uac00-\ud7a3]/;

  // --- contrast (WCAG 2) ---

  function parse(text) {
    const found = text.match(/^rgba?\(([^)]*)\)$/);
    if (!found) return null;
    const values = found[1].split(/[\s,/]+/).filter(Boolean).map(parseFloat);
    return values.length === 3 ? [...values, 1] : values;
  }

  // A colour with alpha, painted over an opaque one.
  function over(top, below) {
    return [0, 1, 2].map((i) => top[i] * top[3] + below[i] * (1 - top[3])).concat(1);
  }

  // What is behind an element: its ancestors' background colours, composited up to the first opaque one.
  function background(element) {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const colour = parse(getComputedStyle(e).backgroundColor);
      if (colour && colour[3] > 0) {
        layers.push(colour);
        if (colour[3] >= 1) break;
      }
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
  }

  function luminance(colour) {
    const [r, g, b] = colour.slice(0, 3).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function ratio(a, b) {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  }

  function opacity(element) {
    let value = 1;
    for (let e = element; e; e = e.parentElement) value *= parseFloat(getComputedStyle(e).opacity);
    return value;
  }

  // On the screen's width (an off-canvas drawer is not), anywhere down the page.
  function visible(rects) {
    return [...rects].some((r) => r.width > 1 && r.height > 1 && r.right > 0 && r.left < innerWidth);
  }

  function describe(element) {
    const classes = String(element.className).trim();
    return element.tagName.toLowerCase() + (classes ? "." + classes.split(/\s+/).join(".") : "");
  }

  // Checks pieces of text against WCAG AA: at least 4.5:1, or 3:1 for large text (24 px, or 18.66 px
  // bold). `behind` is the colour under the text when its element's ancestors do not say it (a diagram's
  // shape); by default, their background colours.
  function checker() {
    const low = [];
    let checked = 0;
    const check = (element, colour, text, what, behind = background(element)) => {
      const style = getComputedStyle(element);
      const alpha = opacity(element);
      if (style.visibility !== "visible" || alpha === 0) return;
      const fg = parse(colour);
      if (!fg) {
        low.push(`unreadable colour ${colour}: ${describe(element)}`);
        return;
      }
      fg[3] *= alpha;
      checked += 1;
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (parseInt(style.fontWeight, 10) >= 700 && size >= 18.66);
      const value = ratio(over(fg, behind), behind);
      if (value < (large ? 3 : 4.5)) {
        const rgb = behind.slice(0, 3).map(Math.round);
        low.push(`${(Math.floor(value * 100) / 100).toFixed(2)}:1 ${what}${colour} on rgb(${rgb}) ${describe(element)}: ${text.trim().slice(0, 30)}`);
      }
    };
    return { check, result: () => ({ checked, low }) };
  }

  // Each visible text node's element under `root`, once.
  function* textElements(root, skip) {
    const seen = new Set();
    const range = document.createRange();
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const element = node.parentElement;
      if (!element || !node.data.trim() || seen.has(element) || element.closest(skip)) continue;
      range.selectNodeContents(node);
      if (!visible(range.getClientRects())) continue;
      seen.add(element);
      yield [element, node.data];
    }
  }

  // Every visible piece of text (and input placeholder) under 4.5:1, or 3:1 for large text, and how
  // many were checked. Diagrams are read by diagramContrast (they are drawn in closed shadow roots).
  function lowContrast() {
    const { check, result } = checker();
    for (const [element, text] of textElements(document.body, "script, style, noscript, svg")) {
      check(element, getComputedStyle(element).color, text, "");
    }
    for (const input of document.querySelectorAll("input[placeholder]")) {
      if (visible(input.getClientRects()) && !input.value) {
        check(input, getComputedStyle(input, "::placeholder").color, input.placeholder, "placeholder ");
      }
    }
    return result();
  }

  // The text of one element (a link, hovered by the test) and everything in it.
  function contrastOf(element) {
    const { check, result } = checker();
    for (const [inner, text] of textElements(element, "script, style, svg")) {
      check(inner, getComputedStyle(inner).color, text, "");
    }
    return result();
  }

  // A diagram's labels (the home page's inline SVG). A label sits on its node's shape (a circle, a
  // rectangle) unless the shape has no fill; then on the page.
  function diagramContrast(root) {
    const { check, result } = checker();
    const page = background(root);
    for (const [element, text] of textElements(root, "style")) {
      const svgText = element instanceof SVGElement;
      const colour = getComputedStyle(element)[svgText ? "fill" : "color"];
      let behind = page;
      const group = element.closest("g.node, g.cluster");
      const shape = group && group.querySelector(":scope > rect, :scope > circle, :scope > ellipse, :scope > polygon, :scope > path");
      if (shape) {
        const style = getComputedStyle(shape);
        const fill = parse(style.fill);
        if (fill) {
          fill[3] *= parseFloat(style.fillOpacity) * opacity(shape);
          behind = over(fill, page);
        }
      }
      const label = element.closest("foreignObject *");
      const own = label && parse(getComputedStyle(label).backgroundColor);  // an HTML label's own box
      if (own && own[3] > 0) behind = over(own, behind);
      check(element, colour, text, "diagram ", behind);
    }
    return result();
  }

  // --- where links wrap ---

  // Each link's characters, line by line: a line starts where a character sits lower than the one
  // before it. Korean wraps between words (at spaces), never inside one.
  function linkLines() {
    const range = document.createRange();
    let betweenWords = 0;
    const insideWords = [];
    for (const link of document.querySelectorAll(".md-content .md-typeset a")) {
      let previous = null;
      let space = false;
      const walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const node = walker.currentNode;
        for (let i = 0; i < node.length; i++) {
          if (/\s/.test(node.data[i])) {
            space = true;
            continue;
          }
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const box = range.getClientRects()[0];
          if (!box) continue;
          const current = { char: node.data[i], top: box.top, height: box.height };
          if (previous && current.top > previous.top + previous.height / 2) {
            if (space) betweenWords += 1;
            else if (HANGUL.test(previous.char + current.char)) {
              insideWords.push(`${link.textContent.trim()} (${previous.char}/${current.char})`);
            }
          }
          previous = current;
          space = false;
        }
      }
    }
    return { betweenWords, insideWords };
  }

  // Inline code split over two lines between two characters of one word (letters, digits, _).
  function codeBreaks() {
    const range = document.createRange();
    const found = [];
    for (const code of document.querySelectorAll(".md-content .md-typeset :not(pre) > code")) {
      const node = code.firstChild;
      if (!node || node.nodeType !== 3) continue;
      let previous = null;
      for (let i = 0; i < node.length; i++) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getClientRects()[0];
        if (!box) continue;
        if (previous && box.top > previous.top + previous.height / 2 && /\w\w/.test(node.data.slice(i - 1, i + 1))) {
          found.push(`${code.textContent} (${node.data.slice(0, i)}/${node.data.slice(i)})`);
        }
        previous = box;
      }
    }
    return found;
  }

  // --- code blocks ---

  function codeBlocks() {
    return [...document.querySelectorAll(".md-typeset .highlight")].map((block) => {
      const text = block.querySelector("code").textContent;
      return {
        language: [...block.classList].find((name) => name.startsWith("language-")) || "",
        table: /[\u2500-\u257f]/.test(text),
        hangul: HANGUL.test(text),
        aligned: block.querySelectorAll(".cells").length > 0,
        start: text.slice(0, 40),
      };
    });
  }

  // Each code block scrolled to the end of its longest line: the first line with a character drawn
  // under the block's buttons (copy, select), which hide it. Scrolls the blocks: call it last.
  function underTheButtons() {
    const covered = [];
    let blocks = 0;
    let scrolled = 0;
    const range = document.createRange();
    for (const pre of document.querySelectorAll(".md-typeset pre")) {
      const nav = pre.querySelector(".md-code__nav");
      const code = pre.querySelector("code");
      if (!nav || !code) continue;
      blocks += 1;
      if (code.scrollWidth > code.clientWidth) scrolled += 1;
      code.scrollLeft = code.scrollWidth;
      const buttons = nav.getBoundingClientRect();
      const view = code.getBoundingClientRect();
      const hit = (r) =>
        Math.max(r.left, view.left, buttons.left) < Math.min(r.right, view.right, buttons.right) &&
        Math.max(r.top, view.top, buttons.top) < Math.min(r.bottom, view.bottom, buttons.bottom);
      const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
      search: while (walker.nextNode()) {
        const node = walker.currentNode;
        range.selectNodeContents(node);
        if (![...range.getClientRects()].some(hit)) continue;
        for (let i = 0; i < node.length; i++) {
          if (/\s/.test(node.data[i])) continue;
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          if ([...range.getClientRects()].some(hit)) {
            covered.push(code.textContent.split("\n")[0].slice(0, 50));
            break search;
          }
        }
      }
    }
    return { blocks, scrolled, covered };
  }

  return { lowContrast, contrastOf, diagramContrast, linkLines, codeBreaks, codeBlocks, underTheButtons };
})();
