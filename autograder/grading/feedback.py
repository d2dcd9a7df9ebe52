"""Per-student feedback: what passed and failed in each step and why, and the training-loss curve.

Only the checks' messages are written, never their code; hidden checks say what they verified.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

from autograder.checks.report import StepReport
from autograder.core import spec
from autograder.core.files import atomic_write, shown
from autograder.core.outcome import Status

TEXT = {
    "ko": {
        "title": "keras01 채점 결과: {student}",
        "total": "총점: {total}/{max}",
        "not_run": "문제 요약",
        "curve": "4단계 훈련 손실 (에포크별)",
        "epoch": "에포크",
        "loss": "손실 (MSE, 로그 눈금)",
        "hidden": "숨은 검사",
        "threshold": "통과 기준: 훈련된 가중치의 MSE < {threshold:g}",
    },
    "en": {
        "title": "keras01 results: {student}",
        "total": "Total: {total}/{max}",
        "not_run": "Problems in brief",
        "curve": "Step 4 training loss per epoch",
        "epoch": "epoch",
        "loss": "loss (MSE, log scale)",
        "hidden": "hidden check",
        "threshold": "to pass: MSE of the trained weights < {threshold:g}",
    },
}


def markdown(result: Any, reports: list[StepReport], lang: str, maximum: int, plot: str | None) -> str:
    text = TEXT[lang]
    lines = [
        f"# {text['title'].format(student=shown(result.student))}",
        "",
        text["total"].format(total=result.total, max=maximum),
        "",
    ]
    if result.reasons:
        lines += [f"## {text['not_run']}", "", *(f"- {reason}" for reason in result.reasons), ""]
    for report in reports:
        lines += [f"## {report.step.number}. {report.step.title[lang]} — {report.score}/{report.max}", ""]
        for verdict in report.verdicts:
            mark = verdict.mark
            tag = f" _({text['hidden']})_" if verdict.check.hidden else ""
            message = verdict.message(lang).replace("\n", "  \n  ")
            lines.append(f"- {mark} {message}{tag}")
        lines.append("")
        if report.step.recompute == "replay" and plot:
            lines += [f"![{text['curve']}]({plot})", ""]
    return "\n".join(lines)


def loss_curve(report: StepReport) -> list[float]:
    curve = report.outcome.data.get("loss_curve", []) if report.outcome.status == Status.OK else []
    return [v for v in curve if isinstance(v, (int, float)) and math.isfinite(v) and v > 0]


def _hangul_font() -> bool:
    """Use NanumGothic (Debian's fonts-nanum) when installed; without it Hangul would draw as boxes."""
    from matplotlib import font_manager, rcParams

    try:
        font_manager.findfont("NanumGothic", fallback_to_default=False)
    except ValueError:
        return False
    rcParams["font.family"] = ["NanumGothic", "DejaVu Sans"]
    return True


# matplotlib is not thread-safe (its font cache, tick locators and rcParams are shared): students
# are graded in parallel threads, so one plot is drawn at a time.
_PLOT_LOCK = threading.Lock()


def loss_figure(values: list[float], lang: str) -> Any:
    """The training loss per epoch, with step 4's pass line (call it holding _PLOT_LOCK)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FormatStrFormatter

    if lang == "ko" and not _hangul_font():
        lang = "en"
    figure = Figure(figsize=(6, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    axes.plot(range(1, len(values) + 1), values, color="#1f77b4")
    label = TEXT[lang]["threshold"].format(threshold=spec.LOSS_THRESHOLD)
    axes.axhline(spec.LOSS_THRESHOLD, color="#d62728", linestyle="--", linewidth=1, label=label)
    axes.legend(loc="upper right", fontsize="small")
    axes.set_yscale("log")
    axes.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    axes.set_title(TEXT[lang]["curve"])
    axes.set_xlabel(TEXT[lang]["epoch"])
    axes.set_ylabel(TEXT[lang]["loss"])
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def plot_loss(values: list[float], path: Path, lang: str) -> None:
    with _PLOT_LOCK:
        loss_figure(values, lang).savefig(path, metadata={"Software": None})


def write(folder: Path, result: Any, reports: list[StepReport], lang: str, maximum: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    plot = None
    curve = loss_curve(reports[3]) if len(reports) > 3 else []
    if len(curve) > 1:
        try:
            plot_loss(curve[:10_000], folder / "loss.png", lang)
            plot = "loss.png"
        except Exception:  # noqa: BLE001 - a plot that cannot be drawn costs the plot, not the grade
            plot = None
    atomic_write(folder / "feedback.md", markdown(result, reports, lang, maximum, plot))
