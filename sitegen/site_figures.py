"""The site's figures, drawn from the seeded reference run (docs/_snippets/generated/reference.json).

PNG files are compared by what they are drawn from, not by their bytes: each records the fingerprint
of its data and of this module in a PNG text chunk, and `python -m sitegen.build --check` reads
that chunk back (no matplotlib needed). Pixel bytes vary with the matplotlib and FreeType versions;
the data and the drawing code are what make a figure right or stale.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from autograder.core import spec

LABELS = {
    "ko": {
        "loss_title": "훈련 손실 (평균제곱오차)",
        "epoch": "에포크",
        "loss": "손실 (로그 눈금)",
        "curve": "에포크마다의 손실",
        "before": "훈련 전",
        "line_title": "학습한 직선과 데이터",
        "data": "데이터 (x = y = 1…10)",
        "fit": "모델의 출력",
        "predicted": "예측 (11, 12, 13)",
    },
    "en": {
        "loss_title": "Training loss (mean squared error)",
        "epoch": "epoch",
        "loss": "loss (log scale)",
        "curve": "loss of each epoch",
        "before": "before training",
        "line_title": "The fitted line and the data",
        "data": "data (x = y = 1…10)",
        "fit": "model output",
        "predicted": "predictions (11, 12, 13)",
    },
}
FIGURES = ("loss_curve", "fitted_line")
# The parts of the reference run's "training" record that the figures draw.
DRAWN_FROM = ("initial_loss", "loss_curve", "weights", "prediction")


def _hangul_font() -> None:
    """Make sure matplotlib knows NanumGothic: its font cache may predate `apt-get install fonts-nanum`."""
    from matplotlib import font_manager

    if any(font.name == "NanumGothic" for font in font_manager.fontManager.ttflist):
        return
    paths = [
        p
        for p in font_manager.findSystemFonts()
        if Path(p).name in ("NanumGothic.ttf", "NanumGothicBold.ttf")
    ]
    if not paths:
        raise RuntimeError("no Hangul font for the figures: `make system-deps` installs Debian's fonts-nanum")
    for path in paths:
        font_manager.fontManager.addfont(path)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _hangul_font()

    # NanumGothic (Debian's fonts-nanum) draws Hangul; DejaVu Sans covers everything else.
    plt.rcParams.update(
        {"font.family": ["NanumGothic", "DejaVu Sans"], "axes.unicode_minus": False, "svg.hashsalt": "0"}
    )
    return plt


def _loss_curve(ax: Any, training: dict[str, Any], text: dict[str, str]) -> None:
    from matplotlib.ticker import FuncFormatter, NullFormatter

    curve = training["loss_curve"]
    epochs = np.arange(1, len(curve) + 1)
    ax.semilogy(epochs, curve, color="#e65100", linewidth=2, label=text["curve"])
    ax.semilogy([0], [training["initial_loss"]], "o", color="#455a64", label=text["before"])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))  # 0.1, not 1e-01
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set(title=text["loss_title"], xlabel=text["epoch"], ylabel=text["loss"], xlim=(-2, len(curve) + 2))
    ax.legend()


def _fitted_line(ax: Any, training: dict[str, Any], text: dict[str, str]) -> None:
    weights = [np.asarray(w) for w in training["weights"]]
    grid = np.linspace(0, 14, 57)
    ax.plot(grid, spec.forward(weights, grid).ravel(), color="#e65100", linewidth=2, label=text["fit"])
    ax.plot(spec.DATA, spec.DATA, "o", color="#455a64", label=text["data"])
    ax.plot(spec.X_NEW, training["prediction"], "s", color="#1565c0", markersize=8, label=text["predicted"])
    ax.set(title=text["line_title"], xlabel="x", ylabel="y", xlim=(0, 14), ylim=(0, 14))
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")


def render(name: str, training: dict[str, Any], lang: str, stamp: dict[str, str]) -> bytes:
    """One figure as PNG bytes, with `stamp` (comment, fingerprint) in its text chunks."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.4) if name == "loss_curve" else (5.6, 5.0), dpi=100)
    {"loss_curve": _loss_curve, "fitted_line": _fitted_line}[name](ax, training, LABELS[lang])
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None, **stamp})
    plt.close(fig)
    return buffer.getvalue()


def png_text(path: Path) -> dict[str, str]:
    """The tEXt chunks of a PNG file (empty if it is missing or not a PNG)."""
    if not path.exists():
        return {}
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return {}
    chunks, offset = {}, 8
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"tEXt" and b"\0" in body:
            key, value = body.split(b"\0", 1)
            chunks[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt" and b"\0" in body:
            key, value = body.split(b"\0", 1)
            chunks[key.decode("latin-1")] = zlib.decompress(value[1:]).decode("latin-1")
        offset += 12 + length
    return chunks
