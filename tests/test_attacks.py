"""A hostile class through the real `keras-course grade`, as root and as an ordinary user.

Each attacker is one student whose five step files are the reference answers except one: the attack.
Most attacks are in step 1 and built as an oracle: `make_data` returns the right arrays only when
every breach it tries fails, and raises "BREACH: ..." otherwise. So the attacked step keeps its 4
points exactly when the sandbox held, and a test that cannot fail is impossible: the control run
(`--no-sandbox`, harmless attacks only) proves each oracle detects its breach when nothing stops it.

The other attacks (forged exports, killing the grader, daemons, leftovers, hostile files for the
parent) are judged by their effect: the attacked step scores only what its honest work earns,
every other step and student keeps their points, nothing leaks into OUT, nothing is left behind.
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from autograder.bubblewrap import unavailable_reason
from autograder.checks import all_checks
from autograder.steps import STEPS

from answers import Answer
from conftest import ROOT

pytestmark = [
    pytest.mark.xdist_group("attacks"),
    pytest.mark.skipif(sys.platform != "linux" or unavailable_reason() is not None, reason="needs the sandbox"),
]

MAX = {step.number: sum(c.points for c in all_checks() if c.step == step.number) for step in STEPS}
SOLUTIONS = {step.number: (ROOT / "solutions" / step.filename).read_text() for step in STEPS}
CANARY = "kc-canary-7f3a9e"  # planted in every secret; must never reach OUT
USER = "kc-grader"  # the ordinary user the test makes


def oracle(breaches: str, imports: str = "") -> Answer:
    """A step-1 answer that returns the right data only when the code in `breaches` (which appends
    what it managed to `found`) finds nothing."""
    body = textwrap.dedent(
        """
        import numpy as np
        found = []
        {breaches}
        if found:
            raise RuntimeError("BREACH: " + "; ".join(map(str, found)))
        return np.arange(1, 11), np.arange(1, 11)
        """
    ).format(breaches=textwrap.indent(textwrap.dedent(breaches), ""))
    return Answer(1, {"make_data": body}, imports)


def reads(*paths: str) -> str:
    return "\n".join(
        f"try:\n    found.append(({p!r}, open({p!r}, 'rb').read(200)))\nexcept Exception:\n    pass"
        for p in paths
    )


def lists(*folders: str) -> str:
    return "\n".join(
        f"try:\n    found.append(({f!r}, os.listdir({f!r})))\nexcept Exception:\n    pass" for f in folders
    )


def read_attacks(setup: dict[str, str]) -> dict[str, Answer]:
    """Harmless attacks (reads and loopback connections): also run without the sandbox, as control."""
    home, secrets, klass, out = setup["home"], setup["secrets"], setup["class"], setup["out"]
    return {
        "net_tcp_loopback": oracle(
            f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {setup["port"]}), timeout=2).sendall(b"{CANARY}")
                found.append("tcp to loopback")
            except OSError:
                pass
            """
        ),
        "net_udp_and_abstract_socket": oracle(
            f"""
            import socket
            for family, address in ((socket.AF_INET, ("127.0.0.1", {setup["port"]})), (socket.AF_UNIX, "\\0{setup["abstract"]}")):
                try:
                    sock = socket.socket(family, socket.SOCK_STREAM)
                    sock.settimeout(2)
                    sock.connect(address)
                    found.append(address)
                except OSError:
                    pass
            if [i for i in socket.if_nameindex() if i[1] != "lo"]:
                found.append(socket.if_nameindex())
            """
        ),
        "read_root_only_and_secrets": oracle(
            "import os\n"
            + reads(
                "/etc/shadow",
                f"{ROOT}/solutions/step4_train.py",
                f"{ROOT}/autograder/hidden_checks.py",
                f"{secrets}/root-only.txt",
                f"{home}/.bashrc",
                f"{home}/canary.txt",
            )
            + "\n"
            + lists(str(ROOT), f"{ROOT}/solutions", home, secrets)
        ),
        "read_other_students_and_grades": oracle(
            "import os\n"
            + reads(f"{klass}/honest/step4_train.py", f"{out}/grades.json", f"{out}/grades.csv")
            + "\n"
            + lists(klass, out, "/jobs")
        ),
        "import_hidden_checks": oracle(
            """
            import importlib.util, sys
            for name in ("autograder.hidden_checks", "autograder.checks", "solutions"):
                try:
                    if importlib.util.find_spec(name) is not None:
                        found.append(name)
                except Exception:
                    pass
            found += [p for p in sys.path if "solutions" in p or p.rstrip("/") == %r]
            """
            % str(ROOT)
        ),
        "read_environment": oracle(
            f"""
            import os, glob
            if any("{CANARY}" in v for v in os.environ.values()):
                found.append("own environment")
            for path in glob.glob("/proc/*/environ"):
                try:
                    if b"{CANARY}" in open(path, "rb").read():
                        found.append(path)
                except OSError:
                    pass
            """
        ),
        "signal_the_grader": oracle(
            """
            import os
            mine = {os.getpid(), os.getppid()}
            reached = [p for p in range(1, 5000) if p not in mine and _can_signal(p)]
            if reached:
                found.append(("signalled", reached[:5]))
            """,
            imports=textwrap.dedent(
                """
                def _can_signal(pid):
                    import os
                    try:
                        os.kill(pid, 0)
                        return True
                    except OSError:
                        return False
                """
            ),
        ),
        "privileges": oracle(
            """
            status = open("/proc/self/status").read()
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields["CapEff"].strip(), 16) or int(fields["CapPrm"].strip(), 16):
                found.append(("capabilities", fields["CapEff"].strip()))
            if fields.get("NoNewPrivs", "0").strip() != "1":
                found.append("no_new_privs not set")
            """
        ),
    }
