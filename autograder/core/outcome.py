"""What running one step of a learner's file produced, as plain data: what every check reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Outcome:
    """What running one step of a learner's file produced (plain data only)."""

    step: int
    # ok | not_done | syntax_error | import_error | unreadable | missing_file | timeout | out_of_memory
    # | crashed
    status: str
    error: dict[str, Any] | None = None
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    output: str = ""  # what the learner's code printed (the tail), safe for a terminal
    output_clipped: bool = False  # it printed more than `output` keeps: earlier lines are not there
    lost: bool = False  # the grader lost (part of) this step, not the learner's doing: never a final grade

    def call_status(self, function: str) -> str:
        """'ok' when `function` ran and returned; otherwise why not."""
        if self.status not in ("ok", "not_done"):
            return self.status
        return self.calls.get(function, {}).get("status", "not_reached")
