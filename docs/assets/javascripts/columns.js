// Console tables on this site (the checker's rich tables, Keras summaries) line up by terminal
// columns, where a Hangul syllable takes two columns and every other character one. A browser gives
// Hangul some other width, which breaks the tables' right-hand borders. So in console output with a
// table (a `text` block holding box-drawing characters), put each run of wide characters, and each
// symbol a monospace font may lack, in a box exactly as wide as the columns it takes (`ch` is one
// column of the block's font). Python and bash code, and console output without a table, keep
// Hangul's own width: spread over two columns it would look spaced out.
(() => {
  const WIDE = "\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA960-\uA97F\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6";
  const SYMBOLS = "\u2713\u2717\u2026\u2192";  // ✓ ✗ … →
  const RUN = new RegExp(`[${WIDE}]+|[${SYMBOLS}]`, "g");
  const isWide = new RegExp(`[${WIDE}]`);
  const BOX_DRAWING = /[\u2500-\u257F]/;

  function cell(text) {
    const wide = isWide.test(text);
    const box = document.createElement("span");
    box.className = wide ? "cells wide" : "cells";
    box.textContent = text;
    box.style.width = `${text.length * (wide ? 2 : 1)}ch`;
    return box;
  }

  function split(node) {
    const text = node.nodeValue;
    const parts = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(RUN)) {
      parts.append(text.slice(last, match.index), cell(match[0]));
      last = match.index + match[0].length;
    }
    parts.append(text.slice(last));
    node.replaceWith(parts);
  }

  for (const code of document.querySelectorAll(".language-text.highlight pre > code")) {
    if (!BOX_DRAWING.test(code.textContent)) continue;
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) {
      RUN.lastIndex = 0;
      if (RUN.test(walker.currentNode.nodeValue)) nodes.push(walker.currentNode);
    }
    nodes.forEach(split);
  }
})();
