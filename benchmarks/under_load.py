"""Run a command several times in a row while other processes keep every core busy.

Flaky is broken: a test that passes on an idle machine and fails on a busy one is found here.
    python benchmarks/under_load.py --runs 3 -- .venv/bin/pytest -n 2 --dist loadgroup   (make test-loaded)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time


def burn() -> None:
    """Spin on one core until killed."""
    while True:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--burners", type=int, default=os.cpu_count() or 1, help="busy processes (default: cores)"
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    burners = [multiprocessing.Process(target=burn, daemon=True) for _ in range(args.burners)]
    for burner in burners:
        burner.start()
    results = []
    try:
        for run in range(1, args.runs + 1):
            started = time.perf_counter()
            code = subprocess.call(command)
            results.append((code, time.perf_counter() - started))
            print(f"under load, run {run}/{args.runs}: exit {code} in {results[-1][1]:.0f} s", flush=True)
    finally:
        for burner in burners:
            burner.kill()
    passed = sum(code == 0 for code, _ in results)
    print(f"{passed} of {len(results)} runs passed with {args.burners} busy processes beside them")
    return 0 if passed == len(results) == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
