"""Every check proven both ways: the reference passes, untouched stubs and known-wrong answers fail."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from autograder.checks.registry import all_checks
from autograder.checks.report import assess
from autograder.core import spec
from autograder.core.steps import STEP_BY_NUMBER, STEPS
from autograder.sandbox.child.contract import Limits
from autograder.sandbox.runner import run_step, run_steps

from answers import ALTERNATIVES, BROKEN, MUTANTS, TUTORIAL, Answer, solution_answer, write_submission
from conftest import ROOT, failed_ids


@pytest.fixture(scope="module")
def solution_reports(tmp_path_factory, zygote):
    folder = tmp_path_factory.mktemp("solutions")
    for step in STEPS:
        shutil.copy(ROOT / "solutions" / step.filename, folder)
    return assess(run_steps(folder, zygote=zygote))


def test_every_solution_passes_every_check(solution_reports):
    for report in solution_reports:
        assert report.outcome.status == "ok", report.outcome
        assert failed_ids(report) == set(), [v.message("en") for v in report.verdicts if not v.passed]
        assert report.score == report.max > 0


def test_every_check_is_run_on_the_solutions(solution_reports):
    ran = {v.check.id for report in solution_reports for v in report.verdicts}
    assert ran == {c.id for c in all_checks()}


def test_every_untouched_stub_fails_every_check_as_not_done(tmp_path, zygote):
    folder = write_submission(tmp_path, {})
    for report in assess(run_steps(folder, zygote=zygote)):
        assert report.outcome.status == "not_done"
        assert report.score == 0 and all(not v.passed for v in report.verdicts)
        crosses = [v for v in report.verdicts if not v.skipped]  # one per function: it says why
        assert crosses and crosses[0] is report.verdicts[0]
        for verdict in report.verdicts:  # and the others wait for it, without saying it again
            said = "아직 풀지 않았습니다" in verdict.message("ko") and "not done yet" in verdict.message("en")
            assert said != verdict.skipped, verdict.message("en")


def test_tutorial_verbatim_code_gets_full_marks(tmp_path, zygote):
    folder = write_submission(tmp_path, TUTORIAL)
    for report in assess(run_steps(folder, zygote=zygote)):
        assert failed_ids(report) == set(), [v.message("en") for v in report.verdicts if not v.passed]


@pytest.mark.parametrize("name", sorted(ALTERNATIVES))
def test_other_correct_spellings_get_full_marks(grade_step, name):
    report = grade_step(ALTERNATIVES[name])
    assert failed_ids(report) == set(), [v.message("en") for v in report.verdicts if not v.passed]


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_fails_exactly_the_checks_it_breaks(grade_step, name):
    mutant = MUTANTS[name]
    report = grade_step(mutant)
    assert failed_ids(report) == mutant.fails, [v.message("en") for v in report.verdicts if not v.passed]
    for verdict in report.verdicts:
        if not verdict.passed:  # a failure says what was expected, found and what to try, in both languages
            lines = 1 if verdict.skipped else 2  # one waiting for a ✗ says only what it expects
            assert verdict.message("ko").count("\n") == lines and verdict.message("en").startswith(
                "Expected: "
            )


def test_step4_failures_name_their_real_cause(grade_step):
    """validation_split is named with what it held back (not blamed on batch_size); a callback that
    changes the weights cannot be replayed, and the advice says so (not "return the History")."""
    split = grade_step(MUTANTS["step4_validation_split"])
    crosses = [v for v in split.verdicts if v.mark == "✗"]  # the others wait for them
    assert crosses
    for verdict in crosses:
        assert "validation_split=0.2" in verdict.found["en"] and "validation_split=0.2" in verdict.found["ko"]
        assert "leave out validation_split" in verdict.message(
            "en"
        ) and "validation_split을 빼세요" in verdict.message("ko")
    weights = grade_step(
        Answer(
            4,
            {
                "train_model": """
                    class Nudge(keras.callbacks.Callback):
                        def on_epoch_end(self, epoch, logs=None):
                            self.model.layers[-1].bias.assign_add([0.001])
                    return model.fit(x, y, epochs=100, batch_size=1, callbacks=[Nudge()])
                """
            },
            prelude="import keras\n",
        )
    )
    (history,) = [v for v in weights.verdicts if v.check.id == "step4.history"]
    assert not history.passed and "got other weights" in history.found["en"]
    assert (
        "changes the weights" in history.message("en")
        and "return" not in history.message("en").split("Try: ")[1]
    )


def test_mutants_cover_every_step_and_the_known_traps():
    assert len(MUTANTS) >= 15
    assert {m.step for m in MUTANTS.values()} == {1, 2, 3, 4, 5}
    for trap in (
        "step2_swapped_5_3",
        "step5_predict_returns_input",
        "step4_epochs_10",
        "step4_default_batch",
    ):
        assert trap in MUTANTS


def test_a_wrong_step_costs_only_that_step(tmp_path, zygote):
    """Steps run apart on reference inputs: wrong steps 1, 3 and 5 leave steps 2 and 4 whole."""
    mixed = {
        1: MUTANTS["step1_from_zero"],
        3: MUTANTS["step3_sgd"],
        5: MUTANTS["step5_predict_returns_input"],
    }
    for step in (2, 4):
        mixed[step] = (ROOT / "solutions" / STEP_BY_NUMBER[step].filename).read_text()
    reports = assess(run_steps(write_submission(tmp_path, mixed), zygote=zygote))
    for report in reports:
        expected = mixed[report.step.number].fails if report.step.number in (1, 3, 5) else set()
        assert failed_ids(report) == expected


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_code_fails_its_step_with_a_reason(grade_step, name):
    answer, status = BROKEN[name]
    report = grade_step(answer, timeout=8 if status == "timeout" else None)
    assert report.outcome.status == status
    assert report.score == 0 and all(not v.passed for v in report.verdicts)
    message = report.verdicts[0].message("en")
    reason = {"timeout": "stopped after 8", "crashed": "ended without a result", "import_error": "SystemExit"}
    assert reason.get(status, "MemoryError") in message


def test_syntax_error_names_the_line(grade_step):
    report = grade_step(MUTANTS["step2_syntax_error"])
    assert report.outcome.status == "syntax_error"
    assert "line" in report.verdicts[0].message("en") and "번째 줄" in report.verdicts[0].message("ko")


def test_missing_step_file_is_reported(tmp_path):
    outcome = run_step(STEP_BY_NUMBER[3], tmp_path)
    report = assess([outcome])[0]
    assert outcome.status == "missing_file" and report.score == 0
    assert "step3_compile.py" in report.verdicts[0].message("en")


def test_step4_is_deterministic(tmp_path, solution_reports, zygote):
    """The seeded reference fit is bit-identical from one run (and process) to the next."""
    first = solution_reports[3].outcome
    folder = tmp_path
    shutil.copy(ROOT / "solutions" / "step4_train.py", folder)
    again = run_step(STEP_BY_NUMBER[4], folder, Limits(), zygote)
    for name, array in first.arrays.items():
        assert np.array_equal(array, again.arrays[name]), name
    assert first.data["loss_curve"] == again.data["loss_curve"]


def test_patching_numpy_and_keras_in_the_learners_module_changes_nothing(grade_step):
    """The verdict is computed in the parent from exported data, not by the learner's process."""
    attack = Answer(
        4,
        {"train_model": "return model.fit(x, y, epochs=1, batch_size=1)"},
        prelude="""
            import builtins, numpy, keras
            numpy.allclose = lambda *a, **k: True
            numpy.array_equal = lambda *a, **k: True
            keras.Model.count_params = lambda self: 32
            keras.Variable.numpy = lambda self: numpy.zeros(self.shape)
            builtins.isinstance = lambda *a: True
        """,
    )
    assert {"step4.epochs", "step4.optimizer_steps", "step4.final_loss"} <= failed_ids(grade_step(attack))


def test_reference_trained_model_predicts_close_to_11_12_13():
    predictions = spec.forward(spec.trained_weights(), spec.X_NEW).ravel()
    assert np.all(np.abs(predictions - [11, 12, 13]) < 0.5)
    assert 0.001 < spec.mse(spec.trained_weights(), spec.DATA, spec.DATA) < 0.1
    assert spec.layer_param_counts() == [10, 18, 4]


def test_the_spawning_runner_used_off_linux_gives_the_same_verdicts(tmp_path):
    """macOS and Windows have no fork server: a fresh harness process per step must judge the same."""
    from autograder.sandbox.launch import Spawner

    for step in (STEPS[0], STEPS[2]):
        shutil.copy(ROOT / "solutions" / step.filename, tmp_path)
    with Spawner() as spawner:
        reports = assess([run_step(s, tmp_path, Limits(), spawner) for s in (STEPS[0], STEPS[2])])
        assert all(failed_ids(r) == set() for r in reports)
        loop = write_submission(tmp_path / "loop", {1: BROKEN["step1_endless_loop"][0]})
        assert run_step(STEPS[0], loop, Limits(timeout=3), spawner).status == "timeout"


def test_a_fork_bomb_is_stopped_and_poisons_no_later_step(tmp_path, zygote):
    """The bomb hits the process limit of its own user namespace, is killed at its time limit, and
    the steps run after it in the same zygote still get every thread they need."""
    bomb = Answer(
        3,
        {"compile_model": "while True:\n    try:\n        os.fork()\n    except OSError:\n        pass"},
        "import os\n",
    )
    outcome = run_step(
        STEP_BY_NUMBER[3], write_submission(tmp_path / "bomb", {3: bomb}), Limits(timeout=6), zygote
    )
    assert outcome.status == "timeout"
    folder = tmp_path / "honest"
    folder.mkdir()
    for number in (3, 5):
        shutil.copy(ROOT / "solutions" / STEP_BY_NUMBER[number].filename, folder)
    for _ in range(2):
        for number in (3, 5):
            report = assess([run_step(STEP_BY_NUMBER[number], folder, Limits(), zygote)])[0]
            assert failed_ids(report) == set(), report.outcome.error


SLOW_STEP1 = """
import time
import numpy as np


def make_data():
    time.sleep(4)
    return np.arange(1, 11), np.arange(1, 11)
"""


def _kill_fork_servers(zygote, times: int) -> None:
    """Kill the fork server `times` times, each 1.5 s after it is up (a restarted one too)."""
    killed = None
    for _ in range(times):
        while zygote._process is None or zygote._process is killed:
            time.sleep(0.05)
        time.sleep(1.5)
        killed = zygote._process
        killed.kill()


def test_a_step_the_grader_loses_is_run_again(tmp_path):
    """Learner code cannot reach the fork server, but should it die anyway (the OOM killer, say),
    the step it was running is not the learner's doing: it is run again on a new server."""
    from autograder.sandbox.launch import Zygote

    slow = write_submission(tmp_path / "slow", {1: SLOW_STEP1})
    with Zygote(light=True) as zygote:
        first = zygote._process
        with ThreadPoolExecutor(2) as pool:
            running = pool.submit(run_step, STEPS[0], slow, Limits(timeout=60), zygote)
            pool.submit(_kill_fork_servers, zygote, 1).result(timeout=60)
            outcome = running.result(timeout=120)
        assert outcome.status == "ok" and not outcome.lost and zygote._process is not first
        assert assess([outcome])[0].passed


def test_a_step_lost_on_every_try_says_the_grader_lost_it(tmp_path):
    """Lost again on its retry, the step fails as the grader's loss (never the learner's code, never
    a final grade: autograder.grading.grade keeps no fingerprint for it), and the server comes back."""
    from autograder.sandbox.launch import Zygote

    folder = write_submission(tmp_path / "honest", {1: (ROOT / "solutions" / "step1_data.py").read_text()})
    slow = write_submission(tmp_path / "slow", {1: SLOW_STEP1})
    with Zygote(light=True) as zygote:
        with ThreadPoolExecutor(2) as pool:
            running = pool.submit(run_step, STEPS[0], slow, Limits(timeout=60), zygote)
            pool.submit(_kill_fork_servers, zygote, 2).result(timeout=120)
            lost = running.result(timeout=120)
        assert lost.status == "crashed" and lost.lost and "fork server" in lost.error["message"]
        report = assess([lost])[0]
        assert "grader" in report.verdicts[0].message("en") and "exit()" not in report.verdicts[0].message(
            "en"
        )
        assert run_step(STEPS[0], folder, Limits(), zygote).status == "ok"


def test_a_fork_server_outlives_the_thread_that_started_or_restarted_it(tmp_path):
    """bubblewrap's --die-with-parent follows the thread that started it: `watch` starts its fork
    servers in the background, and a worker thread of `grade` restarts one that died; either must
    go on serving after that thread has ended."""
    from autograder.sandbox.launch import Zygote

    folder = write_submission(tmp_path, {1: (ROOT / "solutions" / "step1_data.py").read_text()})
    with ThreadPoolExecutor(1) as pool:
        zygote = pool.submit(Zygote, light=True).result()
    with zygote:
        time.sleep(1)
        assert zygote.running
        first = zygote._process
        first.kill()
        first.wait()
        with ThreadPoolExecutor(1) as pool:  # this step starts a new fork server, in the pool's thread
            assert pool.submit(run_step, STEPS[0], folder, Limits(), zygote).result().status == "ok"
        time.sleep(1)
        assert zygote.running and zygote._process is not first
        assert run_step(STEPS[0], folder, Limits(), zygote).status == "ok"


def test_without_the_sandbox_check_still_judges_the_same(tmp_path):
    """A learner's machine without bubblewrap or user namespaces: `check` falls back to the fork
    server with limits only, and judges exactly as the sandboxed one does."""
    from autograder.sandbox.launch import Zygote

    for step in STEPS:
        shutil.copy(ROOT / "solutions" / step.filename, tmp_path)
    with Zygote(isolated=False) as plain:
        reports = assess(run_steps(tmp_path, zygote=plain))
    assert [failed_ids(r) for r in reports] == [set()] * len(STEPS)
    assert reports[3].outcome.data["training"]["verified"] is True


def test_the_view_binds_python_at_neutral_paths_whatever_the_venv_path(monkeypatch):
    """Python's folders enter the sandbox under /sandbox, never at the instructor's own paths: a venv
    at /opt/keras-course (where the sandbox once staged its modules), in /tmp (which each step
    replaces by a private folder) or in a home neither collides with the view nor shows where it is."""
    from pathlib import Path

    from autograder.sandbox import bubblewrap

    for venv in ("/opt/keras-course", "/tmp/clone/.venv", "/home/prof/course/.venv"):
        site = Path(venv, "lib/python3.11/site-packages")
        monkeypatch.setattr(bubblewrap.sys, "base_prefix", "/home/prof/.pyenv/versions/3.11.7")
        monkeypatch.setattr(
            bubblewrap, "_base_interpreter", lambda: Path("/home/prof/.pyenv/versions/3.11.7/bin/python3.11")
        )
        monkeypatch.setattr(bubblewrap, "_import_dirs", lambda site=site: [site])
        monkeypatch.setattr(bubblewrap, "PACKAGE", site / "autograder")
        seen = bubblewrap.view()
        assert seen.python == "/sandbox/python/bin/python3.11"
        assert dict(seen.binds) == {
            "/home/prof/.pyenv/versions/3.11.7": "/sandbox/python",
            str(site): "/sandbox/packages/0",
        }
        assert seen.python_path == ("/sandbox/packages/0",)
        assert seen.hidden == ("/sandbox/packages/0/autograder",)  # an installed copy: the checks hidden
        argv = bubblewrap.command(Path("/tmp/stage"), Path("/tmp/jobs"), "user")
        inside = [argv[i + 2] for i, a in enumerate(argv) if a in ("--ro-bind", "--bind", "--tmpfs", "--dir")]
        assert not [p for p in inside if p.startswith(("/opt", "/tmp/", "/home"))], inside


def test_step_1_runs_without_importing_tensorflow_and_judges_the_same(tmp_path, zygote):
    """`check --step 1` needs only numpy: its fork server imports no TensorFlow (about 2 s, not 10)."""
    from autograder.sandbox.runner import start_runner

    answers = {"solution": solution_answer(1), "mutant": MUTANTS["step1_from_zero"]}
    with start_runner(steps=(STEP_BY_NUMBER[1],)) as light:
        assert light.tensorflow is False and zygote.tensorflow is True
        for name, answer in answers.items():
            folder = write_submission(tmp_path / name, {1: answer})
            quick = assess([run_step(STEP_BY_NUMBER[1], folder, Limits(), light)])[0]
            full = assess([run_step(STEP_BY_NUMBER[1], folder, Limits(), zygote)])[0]
            assert [(v.check.id, v.passed) for v in quick.verdicts] == [
                (v.check.id, v.passed) for v in full.verdicts
            ], name
            assert failed_ids(quick) == (answer.fails if name == "mutant" else set()), name
