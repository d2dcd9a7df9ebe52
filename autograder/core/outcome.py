"""What running one step of a learner's file produced, as plain data: what every check reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np


class Status(StrEnum):
    """How a step (Outcome.status) or one of its functions (calls[name]["status"]) ended. A str, so
    the JSON a child writes and the grades read back stay plain strings."""

    OK = "ok"
    NOT_DONE = "not_done"  # `raise NotImplementedError()` is still under `# YOUR CODE HERE`
    SYNTAX_ERROR = "syntax_error"
    IMPORT_ERROR = "import_error"  # the file raised while it was loaded
    UNREADABLE = "unreadable"  # what a function returned could not be read
    MISSING_FILE = "missing_file"
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out_of_memory"
    CRASHED = "crashed"  # the child ended without a result (or the grader lost it: Outcome.lost)
    # a function's only
    ERROR = "error"  # it raised
    MISSING_FUNCTION = "missing_function"
    NOT_REACHED = "not_reached"  # an earlier call ended the step before it


@dataclass
class Outcome:
    """What running one step of a learner's file produced (plain data only)."""

    step: int
    status: Status
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
        if self.status not in (Status.OK, Status.NOT_DONE):
            return self.status
        return self.calls.get(function, {}).get("status", Status.NOT_REACHED)
