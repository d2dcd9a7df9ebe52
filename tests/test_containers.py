"""The grader's container deployments, for real: the image of course/cluster/ built with podman from a
Debian base made by debootstrap, run as the Kubernetes Job's pods would run (its securityContext as
podman flags), grading the held-out class in shards with the sandbox on, merged into the bytes of one
run on the host; Gradescope's setup.sh in a fresh Debian container, then run_autograder on a real
submission, scored as on the host. Each image is built once per test session; both install from one
folder of wheels, so TensorFlow is downloaded once. The manifest is validated for every Kubernetes
version it names (no podman needed).

Seconds per phase: container-phases.json in pytest's base temporary folder (and printed with -s).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from cluster import keras_course, same_output
from conftest import ROOT
from containers import (
    DOCS_AND_COURSE_TOOLS,
    RLIMITS,
    Phases,
    base_image,
    copies_in,
    default_uid,
    distributions,
    mounted,
    pod_flags,
    podman,
    repository_only_files,
    unavailable,
    volume_owner,
    wheelhouse,
)
from test_pytest_checks import assert_gradescope_results
from test_shards import kubernetes_command

pytestmark = pytest.mark.xdist_group("containers")
MANIFEST = ROOT / "course" / "cluster" / "grade-job.yaml"
DOCKERFILE = ROOT / "course" / "cluster" / "Dockerfile"
SHARDS = 2
VENV = "/opt/keras-course/venv"  # the Dockerfile's
GRADESCOPE_VENV = "/opt/keras-course"  # setup.sh's


# --- the manifest (no podman) -----------------------------------------------------------------------


def named_versions(text: str) -> list[tuple[int, int]]:
    """Every Kubernetes version `1.NN` the manifest's text names."""
    return sorted({(1, int(minor)) for minor in re.findall(r"(?<![\d.])1\.(\d\d)(?![\d.])", text)})


def validate(job: dict, version: str) -> str | None:
    """None when `job` is valid for Kubernetes `version` (strict: unknown fields fail), else why not."""
    from kubernetes_validate import utils

    try:
        utils.validate(job, version, strict=True)
    except utils.ValidationError as exc:
        return str(exc)
    return None


def test_the_manifest_validates_for_every_kubernetes_version_it_names_and_newer():
    from kubernetes_validate import utils

    job = yaml.safe_load(MANIFEST.read_text())
    named = named_versions(MANIFEST.read_text())
    assert named, "the manifest names the Kubernetes versions it needs"
    known = sorted({tuple(map(int, v.split(".")[:2])) for v in utils.all_versions()})
    assert min(named) in known, f"kubernetes-validate {known[0]}…{known[-1]} cannot check {min(named)}"
    checked = [v for v in known if v >= min(named)]
    failures = {v: why for v in checked if (why := validate(job, f"{v[0]}.{v[1]}.0"))}
    assert not failures, failures
    assert set(named) <= set(checked)


def test_the_validator_is_strict_a_field_newer_than_a_version_fails_there():
    """Proves the check above can fail: appArmorProfile came in 1.30, so 1.29 rejects the manifest."""
    job = yaml.safe_load(MANIFEST.read_text())
    why = validate(job, "1.29.0")
    assert why and "appArmorProfile" in why, why
    assert (1, 29) not in named_versions(MANIFEST.read_text())


def test_the_job_runs_non_root_without_privileges():
    job = yaml.safe_load(MANIFEST.read_text())
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    context = {**pod["securityContext"], **container["securityContext"]}
    assert context["runAsNonRoot"] is True and context["runAsUser"] != 0 and context["runAsGroup"] != 0
    assert context["allowPrivilegeEscalation"] is False and context["capabilities"] == {"drop": ["ALL"]}
    assert "privileged" not in context and "--no-sandbox" not in container["command"]
    flags = pod_flags(job)
    assert "--user" in flags and flags[flags.index("--user") + 1] == "1000:1000"
    assert "--privileged" not in flags and "--cap-add" not in flags
    # The image's own user is the same unprivileged one (what runAsNonRoot checks without runAsUser).
    assert re.search(r"^USER 1000:1000$", DOCKERFILE.read_text(), re.M)


# --- the images (podman) ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def phases(tmp_path_factory: pytest.TempPathFactory):
    measured = Phases(tmp_path_factory.getbasetemp() / "container-phases.json")
    yield measured
    print(f"\ncontainer phases (seconds): {json.dumps(measured.seconds)}", file=sys.stderr)


@pytest.fixture(scope="session")
def base(phases: Phases) -> str:
    if why := unavailable():
        pytest.skip(why)
    return base_image(phases)


@pytest.fixture(scope="session")
def wheels(base: str, tmp_path_factory: pytest.TempPathFactory, phases: Phases) -> Path:
    return wheelhouse(tmp_path_factory.mktemp("wheels") / "wheels", phases)


@pytest.fixture(scope="session")
def grader_image(base: str, wheels: Path, phases: Phases):
    """course/cluster/Dockerfile built as its header says: Debian's packages from its mirror, the
    Python packages from the wheels (pip offline)."""
    tag = f"localhost/keras-course-grader:test-{os.getpid()}"
    with phases.measure("podman build (grader image)"):
        podman(
            "build",
            *RLIMITS,
            "--layers=false",
            "-f",
            str(DOCKERFILE),
            "-v",
            f"{wheels}:/wheels:ro",
            "--build-arg",
            "PIP_OPTIONS=--no-index --find-links /wheels",
            "-t",
            tag,
            str(ROOT),
            timeout=3600,
        )
    phases.seconds["grader image MB"] = round(
        int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout) / 1e6
    )
    yield tag
    podman("rmi", "--force", tag, check=False)


@pytest.fixture(scope="session")
def gradescope_image(base: str, wheels: Path, tmp_path_factory: pytest.TempPathFactory, phases: Phases):
    """What Gradescope builds: a fresh Debian container, the bundle of `keras-course gradescope-bundle`
    unpacked in /autograder/source, setup.sh run there as root; committed as the image each submission
    then runs in. pip gets the same wheels through its environment (setup.sh is unchanged)."""
    work = tmp_path_factory.mktemp("gradescope")
    made = keras_course("gradescope-bundle", str(work / "autograder.zip"))
    assert made.returncode == 0, made.stderr
    with zipfile.ZipFile(work / "autograder.zip") as bundle:
        bundle.extractall(work / "bundle")
        for info in bundle.infolist():  # zipfile drops the modes: put back the scripts' x bits
            os.chmod(work / "bundle" / info.filename, info.external_attr >> 16 & 0o777 or 0o644)
    name, tag = (
        f"keras-course-gradescope-setup-{os.getpid()}",
        f"localhost/keras-course-gradescope:test-{os.getpid()}",
    )
    setup = (
        "mkdir -p /autograder && cp -a /mnt/bundle /autograder/source"
        " && cp /autograder/source/run_autograder /autograder/run_autograder"
        " && cd /autograder/source && PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheels bash ./setup.sh"
    )
    podman("rm", "--force", name, check=False)
    with phases.measure("setup.sh in a fresh container (Gradescope image)"):
        podman(
            "run",
            "--name",
            name,
            *RLIMITS,
            "-v",
            f"{work / 'bundle'}:/mnt/bundle:ro",
            "-v",
            f"{wheels}:/wheels:ro",
            base,
            "bash",
            "-c",
            setup,
            timeout=3600,
        )
        podman("commit", "--quiet", name, tag)
    podman("rm", "--force", name, check=False)
    phases.seconds["Gradescope image MB"] = round(
        int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout) / 1e6
    )
    yield tag
    podman("rmi", "--force", tag, check=False)


def test_the_grader_image_runs_as_an_unprivileged_user(grader_image: str, base: str):
    assert (
        podman("image", "inspect", "--format", "{{.Config.User}}", grader_image).stdout.strip() == "1000:1000"
    )
    assert default_uid(grader_image) == 1000
    assert default_uid(base) == 0  # the same check on a root image fails: it tells them apart


def test_the_grader_image_holds_the_grader_and_nothing_of_the_repository_or_the_docs(grader_image: str):
    wanted = repository_only_files()
    assert len(wanted) > 100 and copies_in(ROOT / "solutions", wanted)  # the check finds them where they are
    host_venv = (
        Path(sys.prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    )
    assert DOCS_AND_COURSE_TOOLS & distributions(host_venv)  # …and the tools in this venv
    with mounted(grader_image) as image:
        site = image / VENV.lstrip("/") / "lib" / "python3.11" / "site-packages"
        installed = distributions(site)
        assert {
            "keras-course",
            "tensorflow-cpu",
            "keras",
            "numpy",
            "matplotlib",
            "rich",
            "pytest",
        } <= installed
        assert not installed & DOCS_AND_COURSE_TOOLS, installed & DOCS_AND_COURSE_TOOLS
        assert (site / "autograder" / "checks" / "hidden").is_dir()  # the grader needs its hidden checks
        for name in ("solutions", "sitegen", "benchmarks"):  # (tensorflow/python/data/benchmarks is TF's)
            assert not [p for p in image.rglob(name) if p.is_dir() and "site-packages" not in p.parts], name
            assert not (site / name).exists(), name
        assert not copies_in(image, wanted)
        assert not (image / "tmp" / "keras-course").exists()  # the build's copy of the source is gone
        assert (image / "usr" / "bin" / "bwrap").exists()


def run_pod(image: str, job: dict, data: Path, index: int | None, command: list[str], env: dict[str, str]):
    """One pod of the Job (or, with index None, the `kubectl exec` that merges), as podman runs it."""
    flags = pod_flags(job)
    environment = [f for key, value in env.items() for f in ("-e", f"{key}={value}")]
    if index is not None:
        environment += ["-e", f"JOB_COMPLETION_INDEX={index}"]
    return podman(
        "run", "--rm", *RLIMITS, *flags, "--network", "none", "-v", f"{data}:/data", *environment, image,
        *command, timeout=3600, check=False,
    )  # fmt: skip


@pytest.fixture(scope="session")
def pods(grader_image: str, one_run, tmp_path_factory: pytest.TempPathFactory, phases: Phases):
    """The held-out class graded by the Job's pods 0 and 1 of 2, then merged, all in the image."""
    root, single = one_run
    job = yaml.safe_load(MANIFEST.read_text())
    data = tmp_path_factory.mktemp("pod-data")
    shutil.copytree(root, data / "submissions")
    (data / "parts").mkdir()
    for path in (data, data / "parts"):
        os.chown(path, *volume_owner(job))
    env = {"SUBMISSIONS": "/data/submissions", "PARTS": "/data/parts", "SHARDS": str(SHARDS)}
    env["KERAS_COURSE_LANG"] = "en"  # as one_run
    runs = []
    for index in range(SHARDS):
        command, variables = kubernetes_command(MANIFEST, index, env)
        with phases.measure(f"pod {index} of {SHARDS} grades its shard (container)"):
            runs.append(run_pod(grader_image, job, data, index, command, {k: variables[k] for k in env}))
    merge = ["keras-course", "merge", "/data/parts", "--out", "/data/grades", "--lang", "en"]
    merged = run_pod(grader_image, job, data, None, merge, {})
    return data, single, runs, merged, job


def test_the_jobs_pods_grade_the_class_in_the_image_with_the_sandbox_on_as_one_run_on_the_host(pods):
    data, single, runs, merged, job = pods
    for run in runs:
        assert run.returncode == 0, run.stderr[-4000:]  # a shard that finished: failures are recorded
        assert "Traceback" not in run.stderr and "ZygoteLost" not in run.stdout + run.stderr
    # `grade` refuses to run learner code without its sandbox unless told --no-sandbox: nobody told it.
    assert "--no-sandbox" not in job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert merged.returncode == 1, merged.stderr[-4000:]  # as one run: jay's empty folder failed
    assert f"merged {SHARDS} parts: 9 graded, 1 failed" in merged.stderr
    same_output(single, data / "grades")


def test_without_an_unmasked_proc_the_image_refuses_to_grade_and_says_why(
    grader_image: str, one_run, tmp_path
):
    """Why the manifest asks for procMount: Unmasked: with the runtime's masked /proc, bubblewrap cannot
    mount the steps' /proc, and `grade` refuses (exit 2, no traceback) rather than grade unsandboxed."""
    root, _ = one_run
    job = yaml.safe_load(MANIFEST.read_text())
    job["spec"]["template"]["spec"]["containers"][0]["securityContext"].pop("procMount")
    shutil.copytree(root / "ana", tmp_path / "submissions" / "ana")
    os.chown(tmp_path, *volume_owner(job))
    command = ["keras-course", "grade", "/data/submissions", "--out", "/data/out", "--lang", "en"]
    done = run_pod(grader_image, job, tmp_path, None, command, {})
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-3000:]
    assert "sandbox" in done.stderr and "proc" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_with_the_runtimes_default_seccomp_profile_the_pod_grades_too(grader_image: str, one_run, tmp_path):
    """The manifest's seccompProfile Unconfined is for containerd, whose default profile refuses new
    namespaces without CAP_SYS_ADMIN: podman's default profile, which CRI-O shares, is enough."""
    root, single = one_run
    job = yaml.safe_load(MANIFEST.read_text())
    job["spec"]["template"]["spec"]["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
    assert "seccomp=unconfined" not in pod_flags(job)
    shutil.copytree(root / "ana", tmp_path / "submissions" / "ana")
    os.chown(tmp_path, *volume_owner(job))
    command = ["keras-course", "grade", "/data/submissions", "--out", "/data/out", "--lang", "en"]
    done = run_pod(grader_image, job, tmp_path, None, command, {})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    graded = json.loads((tmp_path / "out" / "grades.json").read_text())["students"]["ana"]
    assert graded == json.loads((single / "grades.json").read_text())["students"]["ana"]


# How the Gradescope container runs here: as root with podman's default capabilities and seccomp profile
# (no CAP_SYS_ADMIN: the sandbox's `dropped` mode), plus the one thing the sandbox needs of a container
# (see grade-job.yaml): an unmasked /proc.
GRADESCOPE_FLAGS = ["--security-opt", "unmask=ALL"]


def run_autograder(
    image: str, submission: Path, results: Path, flags: list[str]
) -> subprocess.CompletedProcess:
    """/autograder/run_autograder in a fresh container of `image`, as Gradescope runs it per submission."""
    results.mkdir()
    return podman(
        "run", "--rm", *RLIMITS, *flags, "--network", "none", "-v", f"{submission}:/autograder/submission:ro",
        "-v", f"{results}:/autograder/results", image, "/autograder/run_autograder", timeout=1800, check=False,
    )  # fmt: skip


def unsandboxed_notes() -> list[str]:
    """How results.json's output begins when learner code ran without the sandbox (each language)."""
    from autograder.grading.gradescope import TEXT

    return [TEXT[lang]["unsandboxed"].split("{why}")[0].strip(": ") for lang in TEXT]


@pytest.fixture(scope="session")
def gradescope_run(gradescope_image: str, one_run, tmp_path_factory: pytest.TempPathFactory, phases: Phases):
    """run_autograder on cho's submission (steps 1 and 3 wrong), and cho's grades from one run on the host."""
    root, single = one_run
    work = tmp_path_factory.mktemp("gradescope-run")
    with phases.measure("run_autograder on one submission (Gradescope container)"):
        done = run_autograder(gradescope_image, root / "cho", work / "results", GRADESCOPE_FLAGS)
    return done, work / "results" / "results.json", json.loads((single / "grades.json").read_text())


def test_gradescope_setup_then_run_autograder_in_containers_scores_a_submission_as_the_host(gradescope_run):
    done, results, host = gradescope_run
    assert done.returncode == 0, done.stderr[-4000:]
    data = json.loads(results.read_text(encoding="utf-8"))
    assert_gradescope_results(data)
    for test in data["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
    cho = host["students"]["cho"]
    assert data["score"] == cho["total"] == 23
    scores = {t["name"].split(":")[0]: t["score"] for t in data["tests"]}
    assert scores == {check: float(points) for check, points in cho["checks"].items()}
    # The sandbox was on: where it cannot run, `gradescope` says so in the output learners see.
    assert not [note for note in unsandboxed_notes() if note in data["output"]], data["output"]


def test_gradescopes_container_is_root_without_cap_sys_admin(gradescope_image: str):
    """So the Gradescope test above grades through the sandbox's fallback for root without CAP_SYS_ADMIN
    (bubblewrap as an unprivileged uid), as a default Docker or Kubernetes container would."""
    status = podman(
        "run", "--rm", *RLIMITS, *GRADESCOPE_FLAGS, "--network", "none", gradescope_image, "cat", "/proc/self/status"
    ).stdout  # fmt: skip
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert fields["Uid"].split()[0] == "0"
    assert not int(fields["CapEff"], 16) >> 21 & 1  # CAP_SYS_ADMIN is capability 21


def test_gradescope_without_an_unmasked_proc_says_the_sandbox_could_not_run(
    gradescope_image: str, one_run, tmp_path
):
    """The check above can fail: with the runtime's masked /proc, the sandbox cannot be built, and the
    results say so (the grade then comes from learner code run with limits only)."""
    root, _ = one_run
    done = run_autograder(gradescope_image, root / "cho", tmp_path / "results", [])  # podman's defaults
    assert done.returncode == 0, done.stderr[-4000:]
    output = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))["output"]
    assert [note for note in unsandboxed_notes() if note in output] and "proc" in output, output


def test_gradescopes_image_holds_no_docs_tooling_and_a_world_readable_venv(gradescope_image: str):
    with mounted(gradescope_image) as image:
        site = image / GRADESCOPE_VENV.lstrip("/") / "lib" / "python3.11" / "site-packages"
        installed = distributions(site)
        assert {"keras-course", "tensorflow-cpu", "keras"} <= installed
        assert not installed & DOCS_AND_COURSE_TOOLS, installed & DOCS_AND_COURSE_TOOLS
        assert not copies_in(image / "autograder", repository_only_files())
        unreadable = [
            str(p.relative_to(image))
            for p in (image / GRADESCOPE_VENV.lstrip("/")).rglob("*")
            if not p.is_symlink() and not (p.stat().st_mode & (0o005 if p.is_dir() else 0o004))
        ]
        assert not unreadable, unreadable[:10]  # the sandbox's unprivileged uid must read it all


def test_podman_can_run_here_or_the_tests_say_why():
    """Never a silent skip where podman works: on a machine with podman (make system-deps) as root,
    unavailable() is None, so every container test above runs."""
    why = unavailable()
    if os.geteuid() == 0 and shutil.which("podman"):
        assert why is None, why
    else:
        assert why
    done = subprocess.run(["bash", "-n", str(ROOT / "course" / "cluster" / "debian-base.sh")])
    assert done.returncode == 0
