"""`grade --shard K/N` and `merge`: a class graded in 3 shards and merged gets exactly the bytes of one
run; merge refuses parts that do not make one class's grades, and never overwrites. The Kubernetes
Job's own command grades one of the shards."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest
import yaml

from autograder.grading import versions
from autograder.grading.grade import grader_version
from autograder.grading.shards import ShardError, class_fingerprint, deal, parse_shard

from cluster import keras_course, make_class, same_output
from conftest import ROOT

pytestmark = pytest.mark.xdist_group("grade-shards")
SHARDS = 3


def kubernetes_command(manifest: Path, index: int, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The Job's container command as Kubernetes runs pod `index`: its env (with `env` overriding,
    as the volume's mount point differs here), $(VAR) expanded, JOB_COMPLETION_INDEX set."""
    job = yaml.safe_load(manifest.read_text())
    assert job["kind"] == "Job" and job["spec"]["completionMode"] == "Indexed"
    container = job["spec"]["template"]["spec"]["containers"][0]
    variables = {item["name"]: item["value"] for item in container["env"]}
    assert variables["SHARDS"] == str(job["spec"]["completions"]), "completions and SHARDS must agree"
    assert job["spec"]["parallelism"] <= job["spec"]["completions"]
    variables.update(env, JOB_COMPLETION_INDEX=str(index))
    command = [re.sub(r"\$\((\w+)\)", lambda m: variables[m[1]], part) for part in container["command"]]
    return command, variables


@pytest.fixture(scope="module")
def graded(one_run, tmp_path_factory):
    """The class in 3 shards: shard 0 by the Kubernetes Job's command, shard 1 as a SLURM array task
    (`auto/3`), shard 2 named outright; then merged. (One run over it: `one_run`.)"""
    root, single = one_run
    work = tmp_path_factory.mktemp("shards")
    parts = work / "parts"
    command, env = kubernetes_command(
        ROOT / "course" / "cluster" / "grade-job.yaml",
        0,
        {"SUBMISSIONS": str(root), "PARTS": str(parts), "SHARDS": str(SHARDS), "KERAS_COURSE_LANG": "en"},
    )
    assert command[0] == "keras-course"
    runs = [
        keras_course(*command[1:], env=env),
        keras_course(
            "grade",
            str(root),
            "--out",
            str(parts),
            "--shard",
            f"auto/{SHARDS}",
            "--lang",
            "en",
            env={"SLURM_ARRAY_TASK_ID": "1"},
        ),
        keras_course("grade", str(root), "--out", str(parts), "--shard", f"2/{SHARDS}", "--lang", "en"),
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]  # a shard that finished: 0, failures recorded
    merged = keras_course("merge", str(parts), "--out", str(work / "merged"), "--lang", "en")
    return work, single, runs, merged, root


def test_three_shards_merged_give_the_bytes_of_one_run(graded):
    work, single, runs, merged, _ = graded
    assert merged.returncode == 1, merged.stderr  # as one run: jay failed
    assert "merged 3 parts: 9 graded, 1 failed" in merged.stderr
    same_output(single, work / "merged")
    grades = json.loads((work / "merged" / "grades.json").read_text())["students"]
    assert grades["ana"]["total"] == grades["iris"]["total"] > grades["cho"]["total"] > 0
    assert grades["jay"]["status"] == "failed"
    manifests = [
        json.loads((work / "parts" / f"shard-{k}-of-3" / "shard.json").read_text()) for k in range(3)
    ]
    assert [m["slice"] for m in manifests] == [
        ["ana", "dae", "gus", "jay"],
        ["ben", "eun", "hana"],
        ["cho", "fay", "iris"],
    ]
    assert all(m["finished"] and m["lang"] == "en" and m["class"]["students"] == 10 for m in manifests)
    assert "shard 0/3: 4 students (of 10)" in runs[0].stderr


def test_a_shard_rerun_skips_what_it_graded(graded):
    work, *_, root = graded
    again = keras_course("grade", str(root), "--out", str(work / "parts"), "--shard", "2/3", "--lang", "en")
    assert again.returncode == 0 and "3 unchanged since the last run" in again.stderr, again.stderr


@pytest.fixture
def parts(graded, tmp_path):
    """A fresh copy of the three parts, to damage."""
    shutil.copytree(graded[0] / "parts", tmp_path / "parts")
    return tmp_path / "parts"


def edit_manifest(part: Path, **changes: object) -> None:
    manifest = json.loads((part / "shard.json").read_text())
    (part / "shard.json").write_text(json.dumps({**manifest, **changes}))


def refused(args: list[str], out: Path, *expected: str) -> None:
    done = keras_course("merge", *args, "--out", str(out), "--lang", "en")
    assert done.returncode == 2, done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr


def test_merge_names_a_missing_shard(parts, tmp_path):
    out = tmp_path / "out"
    refused([str(parts / "shard-0-of-3"), str(parts / "shard-2-of-3")], out, "missing shards: 1/3 (of 3)")
    assert not out.exists()
    shutil.rmtree(parts / "shard-1-of-3")
    refused([str(parts)], out, "missing shards: 1/3")
    assert not out.exists()


def test_merge_names_a_shard_given_twice_and_a_student_graded_twice(parts, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(parts / "shard-1-of-3", tmp_path / "copy")
    refused([str(parts), str(tmp_path / "copy")], out, "shard 1/3 is given twice")
    slice0 = json.loads((parts / "shard-0-of-3" / "shard.json").read_text())["slice"]
    edit_manifest(
        parts / "shard-1-of-3",
        slice=[slice0[0], *json.loads((parts / "shard-1-of-3" / "shard.json").read_text())["slice"]],
    )
    refused([str(parts)], out, f"student {slice0[0]} was graded twice", "shard-0-of-3", "shard-1-of-3")
    assert not out.exists()


def test_merge_refuses_parts_of_another_grader(parts, tmp_path):
    out = tmp_path / "out"
    edit_manifest(parts / "shard-2-of-3", grader="0123456789abcdef")
    refused([str(parts)], out, "the parts differ in grader", "0123456789abcdef")
    for k in range(3):
        edit_manifest(parts / f"shard-{k}-of-3", grader="0123456789abcdef")
    refused([str(parts)], out, "graded by grader 0123456789abcdef", "grade them again")
    assert not out.exists()


def test_merge_refuses_parts_graded_under_other_tensorflow_keras_or_numpy(parts, tmp_path):
    """The same grader code under other versions (autograder/grading/versions.py) is another grader."""
    here = grader_version()
    manifests = [json.loads((parts / f"shard-{k}-of-3" / "shard.json").read_text()) for k in range(3)]
    assert [m["grader"] for m in manifests] == [here] * 3  # each part says what it was graded under
    installed = versions.installed()
    assert f"tensorflow {installed['tensorflow']}" in here
    other = here.replace(f"numpy {installed['numpy']}", "numpy 1.26.4")
    assert other != here
    out = tmp_path / "out"
    edit_manifest(parts / "shard-1-of-3", grader=other)
    refused([str(parts)], out, "the parts differ in grader", here, other)
    for k in range(3):
        edit_manifest(parts / f"shard-{k}-of-3", grader=other)
    refused([str(parts)], out, f"graded by grader {other}, this keras-course is {here}", "grade them again")
    assert not out.exists()


def test_merge_refuses_a_shard_that_did_not_finish(parts, tmp_path):
    out = tmp_path / "out"
    edit_manifest(parts / "shard-1-of-3", finished=False)
    refused([str(parts)], out, "shard 1/3 did not finish")
    edit_manifest(parts / "shard-1-of-3", finished=True)
    grades = json.loads((parts / "shard-1-of-3" / "grades.json").read_text())
    gone = sorted(grades["students"])[0]
    del grades["students"][gone]
    (parts / "shard-1-of-3" / "grades.json").write_text(json.dumps(grades))
    refused([str(parts)], out, "shard 1/3 did not finish", f"not graded: {gone}")
    assert not out.exists()


def test_merge_refuses_parts_of_another_class_or_language(parts, tmp_path):
    out = tmp_path / "out"
    edit_manifest(parts / "shard-0-of-3", lang="ko")
    refused([str(parts)], out, "the parts differ in lang")
    edit_manifest(parts / "shard-0-of-3", lang="en")
    for k in range(3):
        edit_manifest(parts / f"shard-{k}-of-3", **{"class": {"students": 11, "fingerprint": "f" * 64}})
    refused([str(parts)], out, "are not the class the parts name (11 students)")


def test_merge_never_overwrites_an_existing_out(parts, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "grades.csv").write_text("mine\n")
    refused([str(parts)], out, "already exists: it is not overwritten")
    assert (out / "grades.csv").read_text() == "mine\n" and len(list(out.iterdir())) == 1


def test_shard_option_reads_the_engines_index():
    assert parse_shard("2/5") == (2, 5)
    assert parse_shard("auto/4", env={"SLURM_ARRAY_TASK_ID": "3"}) == (3, 4)
    assert parse_shard("auto/4", env={"JOB_COMPLETION_INDEX": "0"}) == (0, 4)
    for bad in ("5/5", "1/0", "-1/3", "a/3", "3"):
        with pytest.raises(ShardError, match="K/N"):
            parse_shard(bad)
    with pytest.raises(ShardError, match="no task index"):
        parse_shard("auto/4", env={})
    with pytest.raises(ShardError, match=r"from 0 to 3 \(sbatch --array=0-3\)"):
        parse_shard("auto/4", env={"SLURM_ARRAY_TASK_ID": "4"})


def test_slices_are_balanced_disjoint_and_independent_of_listing_order():
    students = [f"student{i:05d}" for i in range(1000)]
    slices = [deal(students, k, 7) for k in range(7)]
    assert sorted(len(s) for s in slices) == [142] + [143] * 6
    assert sorted(sum(slices, [])) == students
    shuffled = students[:]
    random.Random(1).shuffle(shuffled)
    assert [deal(shuffled, k, 7) for k in range(7)] == slices
    assert class_fingerprint(shuffled) == class_fingerprint(students)


def test_grade_refuses_nbgrader_on_a_shard(tmp_path):
    root = make_class(tmp_path / "class")
    done = keras_course(
        "grade",
        str(root),
        "--out",
        str(tmp_path / "o"),
        "--shard",
        "0/2",
        "--nbgrader",
        str(root),
        "--lang",
        "en",
    )
    assert done.returncode == 2 and "give --nbgrader to merge" in done.stderr
    assert not (tmp_path / "o").exists()
