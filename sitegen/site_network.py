"""The home page's network diagram, drawn at build time as inline SVG from spec.py.

Inline, not a picture file: its labels are the page's text (the site's Hangul font, found by search),
it scales to the text column (at a phone's 390 px a label is still about 12 px), and its <title> and
<desc> say in words what it shows, for a screen reader. No diagram script is loaded.
"""

from __future__ import annotations

import html

from autograder.core import spec

LABELS = {
    "ko": {
        "input": "입력",
        "params": "파라미터 {n}개",
        "title": "이 강좌의 신경망: 입력 1개 → {hidden} → 출력 1개",
        "nodes": "노드 {n}개",
        "desc": (
            "입력 x 하나가 Dense 층 {count}개를 차례로 지나 출력 ŷ 하나가 됩니다: {layers}. 층 사이의 선 {weights}개가"
            " 가중치 {weights}개이고, 입력을 뺀 노드 {biases}개에 편향이 하나씩 있어 파라미터는 모두 {total}개입니다."
        ),
        "layer": "Dense({n}) 파라미터 {p}개",
    },
    "en": {
        "input": "input",
        "params": "{n} parameters",
        "title": "This course's neural network: 1 input → {hidden} → 1 output",
        "nodes": "{n} nodes",
        "desc": (
            "One input x goes through {count} Dense layers, one after the other, to one output ŷ: {layers}."
            " The {weights} lines between the layers are its {weights} weights; each of the {biases} nodes after"
            " the input has one bias: {total} parameters in all."
        ),
        "layer": "Dense({n}) with {p} parameters",
    },
}
# The grid, in SVG user units (extra.css draws it as wide as the text column, up to 32rem).
COLUMN, ROW, RADIUS, TOP, WIDTH = 112, 36, 13, 22, 444


def _node(x: float, y: float, label: str) -> str:
    text = f'<text x="{x:g}" y="{y:g}" dy=".35em">{label}</text>' if label else ""
    return f'<g class="node"><circle cx="{x:g}" cy="{y:g}" r="{RADIUS}"/>{text}</g>'


def _centres(sizes: tuple[int, ...]) -> tuple[list[list[tuple[float, float]]], float]:
    """Each layer's node centres, every layer centred on the tallest one; and the bottom node's y."""
    middle = TOP + (max(sizes) - 1) * ROW / 2
    left = (WIDTH - COLUMN * (len(sizes) - 1)) / 2
    layers = [
        [(left + COLUMN * i, middle + (n - (size - 1) / 2) * ROW) for n in range(size)]
        for i, size in enumerate(sizes)
    ]
    return layers, middle + (max(sizes) - 1) * ROW / 2


def _words(lang: str, sizes: tuple[int, ...], params: list[int]) -> tuple[str, str]:
    """The diagram's title and description, with every number from spec.py."""
    text = LABELS[lang]
    hidden = " → ".join(text["nodes"].format(n=n) for n in sizes[1:-1])
    described = {
        "count": len(sizes) - 1,
        "layers": ", ".join(text["layer"].format(n=n, p=p) for n, p in zip(sizes[1:], params)),
        "weights": sum(a * b for a, b in zip(sizes, sizes[1:])),
        "biases": sum(sizes[1:]),
        "total": sum(params),
    }
    return html.escape(text["title"].format(hidden=hidden)), html.escape(text["desc"].format(**described))


def network_svg(lang: str) -> str:
    """The 1 -> 5 -> 3 -> 1 network on one line (a raw HTML block for Markdown): a line per weight, a
    circle per node, each layer's name and parameter count under it."""
    sizes, params = (spec.INPUT_DIM, *spec.UNITS), spec.layer_param_counts()
    layers, bottom = _centres(sizes)
    lines = [
        f'<line class="weight" x1="{a[0]:g}" y1="{a[1]:g}" x2="{b[0]:g}" y2="{b[1]:g}"/>'
        for left, right in zip(layers, layers[1:])
        for a in left
        for b in right
    ]
    last = len(sizes) - 1
    nodes = [
        _node(x, y, "x" if i == 0 else "ŷ" if i == last else "")
        for i, layer in enumerate(layers)
        for x, y in layer
    ]
    base = bottom + RADIUS + 24
    labels = [f'<text class="layer" x="{layers[0][0][0]:g}" y="{base:g}">{LABELS[lang]["input"]}</text>']
    for layer, size, count in zip(layers[1:], sizes[1:], params):
        x = layer[0][0]
        labels.append(f'<text class="layer" x="{x:g}" y="{base:g}">Dense({size})</text>')
        params_label = LABELS[lang]["params"].format(n=count)
        labels.append(f'<text class="params" x="{x:g}" y="{base + 19:g}">{params_label}</text>')
    title, desc = _words(lang, sizes, params)
    return (
        f'<figure class="network"><svg viewBox="0 0 {WIDTH} {base + 27:g}" role="img"'
        ' aria-labelledby="network-title network-desc">'
        f'<title id="network-title">{title}</title><desc id="network-desc">{desc}</desc>'
        + "".join(lines + nodes + labels)
        + "</svg></figure>"
    )
