"""`keras-course hint N`: step N's hints one at a time (a nudge, the idea, the answer's lines),
remembering how far each step has gone in the learner's state folder."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from autograder.core.steps import STEP_BY_NUMBER

MESSAGES = {
    "hint": {
        "ko": "{n}단계 힌트 {level}/{levels} — {title}",
        "en": "Hint {level}/{levels} for step {n} — {title}",
    },
    "more": {
        "ko": "더 필요하면 같은 명령을 다시 실행하세요 (다음 힌트). 한꺼번에: --all, 처음부터: --reset",
        "en": "Need more? Run the same command again for the next hint (all at once: --all; start over: --reset)",
    },
    "hint_which": {
        "ko": "몇 단계의 힌트인지 적어 주세요. 예: keras-course hint 1 (모든 단계의 힌트를 처음부터 다시 보려면 "
        "keras-course hint --reset)",
        "en": "Say which step's hint you want, e.g. keras-course hint 1 (to start every step's hints over: "
        "keras-course hint --reset)",
    },
    "hints_reset": {
        "ko": "모든 단계의 힌트를 처음부터 다시 봅니다. 다음 `keras-course hint N`은 N단계의 첫 힌트를 보여 줍니다.",
        "en": "Every step's hints start over: the next `keras-course hint N` shows step N's first hint.",
    },
}


def _hints_seen_file() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "keras-course" / "hints.json"


def _hints_seen() -> dict[str, int]:
    try:
        seen = json.loads(_hints_seen_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in seen.items() if isinstance(v, int)} if isinstance(seen, dict) else {}


def _save_hints_seen(seen: dict[str, int]) -> None:
    try:
        _hints_seen_file().parent.mkdir(parents=True, exist_ok=True)
        _hints_seen_file().write_text(json.dumps(seen), encoding="utf-8")
    except OSError:
        pass  # a read-only home: every call shows the first hint


def hint_command(args: argparse.Namespace) -> int:
    """One more hint each time (a nudge, the idea, the answer's lines), or all of them with --all.
    --reset starts step N's hints again from the first; with no N, every step's."""
    seen = _hints_seen()
    if args.step is None:
        if not args.reset:
            print(MESSAGES["hint_which"][args.lang], file=sys.stderr)
            return 2
        _save_hints_seen({})
        print(MESSAGES["hints_reset"][args.lang])
        return 0
    step = STEP_BY_NUMBER[args.step]
    if args.reset:
        seen.pop(str(step.number), None)
    level = min(seen.get(str(step.number), 0) + 1, len(step.hints))
    shown = range(1, len(step.hints) + 1) if args.all else [level]
    for n in shown:
        header = MESSAGES["hint"][args.lang].format(
            n=step.number, level=n, levels=len(step.hints), title=step.title[args.lang]
        )
        print(header)
        print(step.hints[n - 1][args.lang])
    if not args.all:
        seen[str(step.number)] = level
    if not args.all or args.reset:
        _save_hints_seen(seen)
    if not args.all and level < len(step.hints):
        print(MESSAGES["more"][args.lang])
    return 0
