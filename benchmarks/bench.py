"""Speed figures as ratios against baselines measured in the same run.

    make bench        (or: .venv/bin/python benchmarks/bench.py [--students 24])

1. The floor: what any grader of this course pays at least once, `import tensorflow` plus one
   reference fit (100 epochs x 10 steps), in a fresh process with the graders' environment and
   TensorFlow settings (harness.prepare_tensorflow).
2. `keras-course check` on the solutions (what a learner runs), against the floor; `pytest exercises/
   --hidden` on them (the same checks through pytest) and `check` of the release before the checks became
   pytest tests (BASELINE_REV, from git), interleaved, medians.
3. `keras-course watch` (in a pseudo-terminal, as a learner runs it): seconds from saving a step file
   to its verdict on the screen, warm (steps 1-3 and 4), against a cold `check --step N`.
4. A class of notebooks graded by `nbgrader autograde` with nbgrader's own Execute (a kernel per
   notebook, passed on the command line: the baseline), by `nbgrader autograde` as the course's config
   sets it up (the sandbox instead of the kernel), by `keras-course grade` (three runs, median) and
   once by `keras-course grade --nbgrader`, in one session; the honest submissions must get identical
   points from all. The last line is the speedup of `grade` over the baseline.
5. Shards: the same class graded by one run and by N shards one after another on this machine
   (`grade --shard K/N`, then `merge`): the ratio of total CPU time (goal <= 1.1x), the CPU seconds a
   submission costs, a shard's fixed cost, and the peak memory of one process (the guide's sizing).
6. Grappler: step 4 in a fresh process with TensorFlow's graph optimizer on (as TensorFlow comes) and
   off (harness.prepare_tensorflow, as the graders run it), interleaved, medians.

`--only PART` (repeatable) runs just those parts; `--json FILE` also writes what was measured (the
instructor guide's sizing numbers are recorded this way: sitegen/site_sizing.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograder.core.steps import STEPS  # noqa: E402
from autograder.grading.nbgrader_autograde import PLAIN_PREPROCESSORS  # noqa: E402
from autograder.sandbox.child.contract import environment  # noqa: E402

from answers import MUTANTS, fill, fill_notebook, solution_answer  # noqa: E402
from terminal import Terminal  # noqa: E402

ASSIGNMENT = "keras01"
FLOOR_SCRIPT = """
import json, time
start = time.perf_counter()
import tensorflow, keras
imported = time.perf_counter()
from autograder.core import reference
from autograder.sandbox.child import harness
harness.prepare_tensorflow()  # the graders' own TensorFlow settings: the floor is theirs too
model = reference.compiled_model()
x, y = reference.data()
model.fit(x, y, epochs=100, batch_size=1, verbose=0)
print(json.dumps({"import": imported - start, "fit": time.perf_counter() - imported}))
"""


def measure_floor(workdir: Path) -> dict[str, float]:
    """Seconds for `import tensorflow` and for one reference fit, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", FLOOR_SCRIPT],
        env={**environment(str(workdir)), "PYTHONPATH": str(ROOT)},
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


GRAPPLER_SCRIPT = """
import json, sys, time
from pathlib import Path
import tensorflow, keras
from autograder.sandbox.child import harness
if sys.argv[1] == "off":
    harness.prepare_tensorflow()
start = time.perf_counter()
out = harness.run(4, Path(sys.argv[2]))
assert out.status == "ok", out.error
print(json.dumps(time.perf_counter() - start))
"""


def compare_grappler(workdir: Path, repeats: int = 3) -> dict[str, float]:
    """Median seconds of step 4 (the reference answer) in a fresh process with TensorFlow imported, as a
    grader's child runs it, with Grappler on and off (interleaved, so load hits both alike)."""
    answer = ROOT / "solutions" / STEPS[3].filename
    runs: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(repeats):
        for mode, seconds in runs.items():
            done = subprocess.run(
                [sys.executable, "-c", GRAPPLER_SCRIPT, mode, str(answer)],
                env={**environment(str(workdir)), "PYTHONPATH": str(ROOT)},
                cwd=workdir,
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0, done.stderr[-2000:]
            seconds.append(json.loads(done.stdout.strip().splitlines()[-1]))
    on, off = (statistics.median(runs[mode]) for mode in ("on", "off"))
    print(
        f"step 4 in a fresh child: Grappler on {on:.2f} s, off {off:.2f} s ({off / on:.2f}×, median of {repeats})"
    )
    return {"on": on, "off": off, "repeats": repeats}


def timed(command: list[str], **kwargs: object) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - start, done


def time_check(folder: Path, tree: Path = ROOT) -> float:
    """Wall seconds of `keras-course check FOLDER --hidden --json` (what a learner runs) from `tree`."""
    seconds, done = timed(
        [sys.executable, "-m", "autograder.cli", "check", str(folder), "--hidden", "--json"], cwd=tree
    )
    assert json.loads(done.stdout)["passed_steps"] == 5, done.stdout[-500:]
    return seconds


def time_step1(folder: Path) -> float:
    """Wall seconds of `keras-course check FOLDER --step 1` (no TensorFlow import)."""
    seconds, done = timed(
        [sys.executable, "-m", "autograder.cli", "check", str(folder), "--step", "1", "--json"], cwd=ROOT
    )
    assert json.loads(done.stdout)["passed_steps"] == 1, done.stdout[-500:]
    return seconds


def time_pytest(folder: Path) -> float:
    """Wall seconds of `pytest exercises/ --steps FOLDER --hidden`: the same checks through pytest."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    seconds, done = timed([*command, "exercises/", "--steps", str(folder), "--hidden"], cwd=ROOT)
    assert done.returncode == 0 and "25 passed" in done.stdout, done.stdout[-500:]
    return seconds


# The last commit whose checks were a private library (before they became pytest tests).
BASELINE_REV = "d4856b9"


def baseline_tree(work: Path) -> Path | None:
    """BASELINE_REV's autograder/, from git, to time its `check` in this session (None without git)."""
    tree = work / "baseline"
    archive = subprocess.run(["git", "archive", BASELINE_REV, "autograder"], cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        return None
    tree.mkdir()
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def compare_checks(folder: Path, work: Path, repeats: int = 3) -> dict[str, float]:
    """Median wall seconds of check now, check at BASELINE_REV and pytest, run in turns."""
    tree = baseline_tree(work)
    runs: dict[str, list[float]] = {"check": [], "baseline": [], "pytest": [], "step1": []}
    for _ in range(repeats):
        runs["check"].append(time_check(folder))
        runs["step1"].append(time_step1(folder))
        if tree is not None:
            runs["baseline"].append(time_check(folder, tree))
        runs["pytest"].append(time_pytest(folder))
    return {name: statistics.median(seconds) for name, seconds in runs.items() if seconds}


# --- watch: save to verdict ---------------------------------------------------------------------

# Step 4 answers that train the same as the solution, each fit call spelled differently: the grader's
# replay of a new spelling is not shared with an earlier one, so each costs a fit and its replay.
STEP4_SPELLINGS = [
    "return model.fit(x, y, epochs=100, batch_size=1, shuffle=True)",
    "return model.fit(x, y, epochs=100, batch_size=1, initial_epoch=0)",
    "return model.fit(x, y, epochs=100, batch_size=1, validation_split=0.0)",
]


def time_save_to_verdict(term: Terminal, path: Path, text: str) -> float:
    """Seconds from writing `path` until the watcher has shown its verdict (all five pass again)."""
    started = time.perf_counter()
    term.save(path, text)
    term.wait_for("All five steps pass!", timeout=300)
    return time.perf_counter() - started


def fresh_answer(step: int, i: int) -> str:
    """A passing answer to `step` that the grader has not seen in this session: for steps 2 and 3 a
    new name, so its rebuild runs anew (as after a learner's real edit) rather than being shared."""
    if step == 2:
        layers = "model.add(keras.Input(shape=(1,)))\nmodel.add(Dense(5))\nmodel.add(Dense(3))\nmodel.add(Dense(1))"
        return fill(2, {"build_model": f"model = Sequential(name='model_{i}')\n{layers}\nreturn model"})
    if step == 3:
        loss = f"keras.losses.MeanSquaredError(name='mse_{i}')"
        body = f"model.compile(loss={loss}, optimizer='adam', metrics=['mse'])\nreturn model"
        return fill(3, {"compile_model": body}, prelude="import keras\n")
    text = (ROOT / "solutions" / STEPS[step - 1].filename).read_text(encoding="utf-8")
    return f"{text}# save {i}\n"


def time_watch(folder: Path, repeats: int = 5) -> dict[str, float]:
    """Median seconds from a save to its verdict in one warm `keras-course watch` session over the
    solutions: steps 1-3 saved with a new passing answer each time; step 4 re-saved as it was (its
    replay shared) and with its fit call spelled anew (a replay too)."""
    term = Terminal("watch", str(folder), "--lang", "en")
    term.wait_for("All five steps pass!", timeout=600)  # the first look: every step, TensorFlow started
    runs: dict[str, list[float]] = {"1": [], "2": [], "3": [], "4": [], "4 changed": []}
    for i in range(repeats):
        for step in STEPS[:4]:
            text = fresh_answer(step.number, i)
            runs[str(step.number)].append(time_save_to_verdict(term, folder / step.filename, text))
    for spelling in STEP4_SPELLINGS:
        text = fill(4, {"train_model": spelling})
        runs["4 changed"].append(time_save_to_verdict(term, folder / STEPS[3].filename, text))
    term.stop()
    return {name: statistics.median(seconds) for name, seconds in runs.items()}


def time_cold_step(folder: Path, step: int) -> float:
    """Wall seconds of `keras-course check FOLDER --step N`: a fresh process, TensorFlow imported again."""
    seconds, done = timed(
        [sys.executable, "-m", "autograder.cli", "check", str(folder), "--step", str(step), "--json"],
        cwd=ROOT,
    )
    assert json.loads(done.stdout)["passed_steps"] == 1, done.stdout[-500:]
    return seconds


def report_watch(folder: Path, floor: dict[str, float]) -> None:
    warm = time_watch(folder)
    cold = {n: statistics.median(time_cold_step(folder, n) for _ in range(3)) for n in (1, 2)}
    print(
        "keras-course watch, save of a new answer to its verdict (warm, median of 5): "
        + ", ".join(f"step {n} {warm[str(n)]:.2f} s" for n in (1, 2, 3))
    )
    print(
        f"watch step 4: {warm['4']:.2f} s re-saved as it was (replay shared) = {warm['4'] / floor['fit']:.2f}× "
        f"one reference fit; {warm['4 changed']:.2f} s with a new fit call (fit and replay) = "
        f"{warm['4 changed'] / floor['fit']:.2f}×"
    )
    print(
        f"cold check --step 2: {cold[2]:.2f} s = {cold[2] / warm['2']:.1f}× a warm watch re-check of step 2; "
        f"cold check --step 1 (no TensorFlow): {cold[1]:.2f} s = {cold[1] / warm['1']:.1f}× watch's"
    )


# --- a class of notebooks ----------------------------------------------------------------------

HONEST = {step.number: solution_answer(step.number) for step in STEPS}
# Known-wrong answers that run to completion (no timeouts: both graders must be comparable).
WRONG = [m for name, m in sorted(MUTANTS.items()) if "syntax" not in name]


def class_answers(students: int) -> dict[str, dict]:
    """Every fourth student honest; the others honest but for one known-wrong step."""
    answers = {}
    for i in range(students):
        student = f"s{i + 1:02d}"
        if i % 4 == 0:
            answers[student] = dict(HONEST)
        else:
            mutant = WRONG[i % len(WRONG)]
            answers[student] = {**HONEST, mutant.step: mutant}
    return answers


def nbgrader_env(tmp: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KERAS_COURSE_")}
    env.update(
        KERAS_COURSE_EXCHANGE=str(tmp / "exchange"),
        KERAS_COURSE_GRADER_PATH=str(ROOT),
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def make_course(tmp: Path, answers: dict[str, dict]) -> Path:
    """A copy of course/ with the class in submitted/<student>/keras01/, as `nbgrader collect` leaves it."""
    course = tmp / "course"
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns("gradebook.db", "*.log"))
    with open(course / "students.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "last_name", "first_name", "email"])
        writer.writerows([student, "", "", ""] for student in answers)
    env = nbgrader_env(tmp)
    for args in (["db", "student", "import", "students.csv"], ["generate_assignment", ASSIGNMENT]):
        subprocess.run(
            [sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True, check=True
        )
    released = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    for student, student_answers in answers.items():
        target = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copy(released, target)
        fill_notebook(target, student_answers)
    return course


def nbgrader_points(course: Path) -> dict[str, dict[str, float]]:
    """Points per student per step from the course's gradebook after `nbgrader autograde`."""
    from nbgrader.api import Gradebook

    from autograder.grading.nbgrader_sync import course_db_url

    points: dict[str, dict[str, float]] = {}
    with Gradebook(course_db_url(course)) as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            steps = {str(s.number): 0.0 for s in STEPS}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    steps[grade.cell.name[4]] += grade.score
            points[submission.student.id] = steps
    return points


def grade_with_keras_course(
    course: Path, out: Path, workers: int, nbgrader: bool = False
) -> tuple[float, dict]:
    """Wall seconds of one `keras-course grade` run into a fresh OUT (nothing skipped), and its grades;
    `nbgrader`: with `--nbgrader COURSE` too (the guide's recommended route: the gradebook, submission
    times, late penalties and nbgrader's autograded notebooks)."""
    command = [sys.executable, "-m", "autograder.cli", "grade", str(course), "--out", str(out)]
    if nbgrader:
        command += ["--nbgrader", str(course)]
    seconds, _ = timed([*command, "--workers", str(workers)], cwd=ROOT)
    return seconds, json.loads((out / "grades.json").read_text())["students"]


def compare_graders(students: int, workers: int, repeats: int) -> dict[str, float]:
    """Seconds of `nbgrader autograde` with nbgrader's own Execute and as the course sets it up (one run
    each: they are slow), the median of `repeats` runs of `grade` (two workers on a shared 2-core
    machine feel a noisy neighbour more than nbgrader's one process) and one of `grade --nbgrader`."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        answers = class_answers(students)
        course = make_course(tmp, answers)
        autograde = [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT]
        plain = f"--Autograde.autograde_preprocessors={json.dumps(PLAIN_PREPROCESSORS)}"
        nb_seconds, done = timed([*autograde, plain], cwd=course, env=nbgrader_env(tmp))
        assert done.returncode == 0, done.stderr[-2000:]
        theirs = nbgrader_points(course)
        honest = [s for s, a in answers.items() if a == HONEST]
        sandboxed_seconds, done = timed([*autograde, "--force"], cwd=course, env=nbgrader_env(tmp))
        assert done.returncode == 0, done.stderr[-2000:]
        sandboxed = nbgrader_points(course)
        missing = [s for s in honest if sandboxed[s] != theirs[s]]
        assert not missing, f"honest submissions autograded differently in the sandbox: {missing}"
        runs, agreeing = [], []
        for run in range(repeats + 1):  # the last run with --nbgrader
            seconds, ours = grade_with_keras_course(course, tmp / f"grades{run}", workers, run == repeats)
            agree = [s for s in answers if {k: float(v) for k, v in ours[s]["steps"].items()} == theirs[s]]
            missing = [s for s in honest if s not in agree]
            assert not missing, f"honest submissions graded differently: {missing}"
            runs.append(seconds)
            agreeing.append(len(agree))
        *runs, with_nbgrader = runs
        kc_seconds = statistics.median(runs)
        print(f"class: {students} notebooks ({len(honest)} honest), {workers} workers")
        print(
            f"nbgrader autograde, nbgrader's Execute (a kernel): {nb_seconds:.1f} s "
            f"({nb_seconds / students:.2f} s per submission)"
        )
        print(
            f"nbgrader autograde, the course's config (the sandbox): {sandboxed_seconds:.1f} s "
            f"({sandboxed_seconds / students:.2f} s per submission), {nb_seconds / sandboxed_seconds:.2f}× faster"
        )
        print(
            f"keras-course grade: {kc_seconds:.1f} s ({kc_seconds / students:.2f} s per submission), "
            f"median of {repeats} runs: {', '.join(f'{r:.1f}' for r in runs)} s"
        )
        print(
            f"keras-course grade --nbgrader (gradebook, times, late penalties, autograded notebooks): "
            f"{with_nbgrader:.1f} s, {nb_seconds / with_nbgrader:.2f}× nbgrader's own autograde"
        )
        print(
            f"same points per step from both graders: {min(agreeing)} of {students} submissions (fewest of the runs)"
        )
        return {
            "nbgrader": nb_seconds,
            "nbgrader_sandboxed": sandboxed_seconds,
            "keras_course": kc_seconds,
            "keras_course_nbgrader": with_nbgrader,
        }


# --- shards: what sharding costs -----------------------------------------------------------------


CGROUPS = Path("/sys/fs/cgroup")


def own_cgroup(controller: str) -> Path | None:
    """A new cgroup (v1) under this process's own, to count what a command and all it starts use."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            group = CGROUPS / controller / path.lstrip("/") / f"keras-course-bench-{os.getpid()}"
            try:
                group.mkdir()
                return group
            except OSError:
                return None
    return None


def own_cgroup_available() -> bool:
    """Whether cpu_of counts by cgroup (every process a command starts) or by rusage (a lower bound)."""
    group = own_cgroup("cpuacct")
    if group is not None:
        group.rmdir()
    return group is not None


def cpu_of(command: list[str]) -> tuple[float, float, float, subprocess.CompletedProcess]:
    """(CPU seconds and peak MiB of the command and everything it started, wall seconds, the run).

    Counted by a cgroup of its own (cpuacct and memory, v1): the grader's zygote and step children
    live in namespaces where rusage does not reach them. Without cgroups: rusage, a lower bound."""
    groups = {name: own_cgroup(name) for name in ("cpuacct", "memory")}

    def join() -> None:
        for group in groups.values():
            if group is not None:
                (group / "tasks").write_text(str(os.getpid()))

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, preexec_fn=join)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = after.ru_maxrss / 1024
    if groups["cpuacct"] is not None:
        cpu = int((groups["cpuacct"] / "cpuacct.usage").read_text()) / 1e9
    if groups["memory"] is not None:
        peak = int((groups["memory"] / "memory.max_usage_in_bytes").read_text()) / 2**20
    for group in groups.values():
        for _ in range(50):  # the last children may take a moment to go
            try:
                group is not None and group.rmdir()
                break
            except OSError:
                time.sleep(0.1)
    return cpu, peak, seconds, done


def compare_shards(students: int, shards: int, workers: int) -> dict[str, float]:
    """One run vs `shards` shards run one after another, over the same class of notebooks: CPU seconds,
    wall seconds and the grades (which must be the same bytes)."""
    grade = [sys.executable, "-m", "autograder.cli", "grade"]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        course = make_course(tmp, class_answers(students))
        one_cpu, peak, one_wall, _ = cpu_of(
            [*grade, str(course), "--out", str(tmp / "one"), "--workers", str(workers)]
        )
        load = os.getloadavg()[0]  # the last minute's: how busy the machine was while it was measured
        shard_cpu = shard_wall = 0.0
        for k in range(shards):
            command = [*grade, str(course), "--out", str(tmp / "parts"), "--shard", f"{k}/{shards}"]
            cpu, shard_peak, wall, done = cpu_of([*command, "--workers", str(workers)])
            assert done.returncode == 0, done.stderr[-2000:]
            shard_cpu, shard_wall, peak = shard_cpu + cpu, shard_wall + wall, max(peak, shard_peak)
        merge = [
            sys.executable,
            "-m",
            "autograder.cli",
            "merge",
            str(tmp / "parts"),
            "--out",
            str(tmp / "merged"),
        ]
        subprocess.run(merge, cwd=ROOT, capture_output=True)
        assert (tmp / "one" / "grades.csv").read_bytes() == (tmp / "merged" / "grades.csv").read_bytes()
        untimed = [
            json.loads((tmp / out / "grades.json").read_text(encoding="utf-8")) for out in ("one", "merged")
        ]
        for grades in untimed:  # each student's grading time is a fact of its run, not of the grades
            grades.pop("seconds")
        assert untimed[0] == untimed[1], "grades.json"
    fixed = (shard_cpu - one_cpu) / (shards - 1) if shards > 1 else 0.0
    print(f"shards: {students} notebooks, one run vs {shards} shards one after another, {workers} workers")
    print(f"one run: {one_cpu:.1f} CPU s, {one_wall:.1f} s; {one_cpu / students:.2f} CPU s per submission")
    print(f"{shards} shards: {shard_cpu:.1f} CPU s, {shard_wall:.1f} s; merged grades identical to one run's")
    print(f"shard overhead: total CPU time {shard_cpu / one_cpu:.2f}× one run's (goal <= 1.1×)")
    print(f"a shard's fixed cost: about {fixed:.1f} CPU s; peak memory of a run: {peak:.0f} MiB")
    return {
        "students": students,
        "shards": shards,
        "workers": workers,
        "one_cpu": one_cpu,
        "one_wall": one_wall,
        "shard_cpu": shard_cpu,
        "shard_wall": shard_wall,
        "per_submission": one_cpu / students,
        "fixed": fixed,
        "peak_mib": peak,
        "load": load,
        "cores": os.cpu_count(),
        "counted_by": "cgroup" if own_cgroup_available() else "rusage",
    }


def run_parts(args: argparse.Namespace, parts: set[str], work: Path) -> dict[str, object]:
    """Run the chosen parts of the benchmark and return what they measured."""
    measured: dict[str, object] = {}
    floor = measure_floor(work) if parts & {"checks", "watch", "grade"} else {}
    if floor:
        print(f"floor: import tensorflow {floor['import']:.2f} s + one reference fit {floor['fit']:.2f} s")
        measured["floor"] = floor
    folder = work / "solutions"
    shutil.copytree(ROOT / "solutions", folder)
    if "checks" in parts:
        measured["checks"] = report_checks(folder, work, floor)
    if "watch" in parts:
        report_watch(folder, floor)
    if "grade" in parts:
        floor_total = floor["import"] + floor["fit"]
        graded = compare_graders(args.students, args.workers, args.repeats)
        nb_seconds, kc_seconds = graded["nbgrader"], graded["keras_course"]
        print(f"keras-course grade per submission: {kc_seconds / args.students / floor_total:.2f}× the floor")
        print(f"grade speedup vs nbgrader autograde: {nb_seconds / kc_seconds:.2f}×")
        measured["grade"] = graded
    if "shards" in parts:
        measured["shards"] = compare_shards(args.students, args.shards, args.workers)
    if "grappler" in parts:
        measured["grappler"] = compare_grappler(work)
    return measured


def report_checks(folder: Path, work: Path, floor: dict[str, float]) -> dict[str, float]:
    checks = compare_checks(folder, work)
    check, floor_total = checks["check"], floor["import"] + floor["fit"]
    print(
        f"keras-course check (5 steps, hidden checks): {check:.2f} s = {check / floor_total:.2f}× the floor"
    )
    print(f"pytest exercises/ --hidden on the same folder: {checks['pytest'] / check:.2f}× check")
    print(
        f"keras-course check --step 1 (no TensorFlow): {checks['step1']:.2f} s = {checks['step1'] / check:.2f}× check"
    )
    if "baseline" in checks:
        print(
            f"check now vs check at {BASELINE_REV} (checks not yet pytest tests): {check / checks['baseline']:.2f}×"
        )
    return checks


PARTS = ("checks", "watch", "grade", "shards", "grappler")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3, help="runs of keras-course grade (median)")
    parser.add_argument("--shards", type=int, default=3, help="shards of the class in part 5")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    parser.add_argument("--json", type=Path, help="also write what was measured to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        measured = run_parts(args, set(args.only or PARTS), Path(tmp))
    if args.json:
        args.json.write_text(json.dumps(measured, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
