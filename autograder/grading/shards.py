"""Grade one class on many machines: `grade --shard K/N` grades a slice, `merge` joins the slices.

The slices: the class's student ids, sorted, dealt round-robin (shard K of N gets the K-th, (K+N)-th, …
ids, K counted from 0 like SLURM's `--array=0-…` and Kubernetes' `JOB_COMPLETION_INDEX`). Sorted, so the
same class deals the same way whatever order the file system lists it in; dealt, so slice sizes differ
by one at most. Shard K writes OUT/shard-K-of-N/: an ordinary grade folder (grades.json, grades.csv,
feedback/, resumable as a `grade` run is) and shard.json saying which shard it is, of which class
(a fingerprint of the sorted ids), by which grader, in which language, and whether it finished.

`merge` checks that the parts fit together (one class, one grader, one language, every shard present
and finished, every student graded exactly once) and only then writes OUT, which must not exist yet:
the same grades.json, grades.csv, feedback/ and report that one `grade` run over the class writes
(each student's grading time is the one their shard measured).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.core.files import atomic_write, json_text, shown

MANIFEST = "shard.json"
FORMAT = 1
# The engines' own index of an array task: the same command line serves every task.
INDEX_VARIABLES = ("SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX")
PART_NAME = re.compile(r"^shard-(\d+)-of-(\d+)$")

MESSAGES = {
    "bad_shard": {
        "ko": "--shard는 K/N (0 ≤ K < N, 예: 0/3) 또는 auto/N 이어야 합니다: {text}",
        "en": "--shard takes K/N (0 ≤ K < N, e.g. 0/3) or auto/N: {text}",
    },
    "no_index": {
        "ko": "--shard auto/{n}: 작업 번호가 없습니다 (SLURM_ARRAY_TASK_ID도 JOB_COMPLETION_INDEX도 없음). "
        "작업 배열 안에서 돌리거나 K/{n}을 직접 주세요.",
        "en": "--shard auto/{n}: no task index (neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set). "
        "Run it inside a job array, or give K/{n} yourself.",
    },
    "index_range": {
        "ko": "{var}={value}: 조각 번호는 0부터 {last}까지입니다 (sbatch --array=0-{last}).",
        "en": "{var}={value}: shard numbers run from 0 to {last} (sbatch --array=0-{last}).",
    },
    "not_a_part": {
        "ko": "조각 폴더가 아닙니다 ({manifest} 없음): {path}",
        "en": "not a shard folder (no {manifest}): {path}",
    },
    "no_parts": {"ko": "합칠 조각이 없습니다", "en": "no parts to merge"},
    "mixed": {
        "ko": "조각마다 {what} 값이 다릅니다: {values}. 같은 명령으로 채점한 조각만 합칠 수 있습니다.",
        "en": "the parts differ in {what}: {values}. Only parts of one grading command can be merged.",
    },
    "other_grader": {
        "ko": "조각은 채점기 {theirs}로 채점했는데 이 keras-course는 {mine}입니다. 이 채점기로 다시 채점하세요.",
        "en": "the parts were graded by grader {theirs}, this keras-course is {mine}: grade them again with it.",
    },
    "twice": {
        "ko": "조각 {k}/{n}이 두 번 있습니다: {a}, {b}",
        "en": "shard {k}/{n} is given twice: {a} and {b}",
    },
    "graded_twice": {
        "ko": "학생 {student}의 제출물이 두 번 채점되었습니다: {a}, {b}",
        "en": "student {student} was graded twice: in {a} and in {b}",
    },
    "missing": {
        "ko": "조각이 빠졌습니다: {missing} (전체 {n}개). 그 작업을 다시 돌리세요.",
        "en": "missing shards: {missing} (of {n}). Run those tasks again.",
    },
    "unfinished": {
        "ko": "조각 {k}/{n}이 끝나지 않았습니다 ({path}; 채점 안 된 학생: {students}). 그 작업을 다시 돌리세요.",
        "en": "shard {k}/{n} did not finish ({path}; not graded: {students}). Run that task again.",
    },
    "other_class": {
        "ko": "조각들의 학생을 합치면 조각이 말하는 반({size}명)과 다릅니다. 같은 제출물 폴더로 채점한 조각인가요?",
        "en": "the parts' students together are not the class the parts name ({size} students). "
        "Were they graded from the same submissions folder?",
    },
    "exists": {
        "ko": "{out} 폴더가 이미 있습니다: 덮어쓰지 않습니다. 없는 폴더를 주세요.",
        "en": "{out} already exists: it is not overwritten. Give a folder that does not exist.",
    },
}


class ShardError(ValueError):
    """A --shard value or a set of parts that cannot be used; the message says why and what to do."""


def message(key: str, lang: str, **values: Any) -> str:
    return MESSAGES[key][lang].format(**values)


def parse_shard(text: str, lang: str = "en", env: Mapping[str, str] = os.environ) -> tuple[int, int]:
    """(K, N) from `K/N`, or from `auto/N` with K read from the engine's task index variable."""
    match = re.fullmatch(r"\s*(auto|\d+)\s*/\s*(\d+)\s*", text)
    if not match or int(match[2]) < 1:
        raise ShardError(message("bad_shard", lang, text=text))
    shards = int(match[2])
    if match[1] != "auto":
        if int(match[1]) >= shards:
            raise ShardError(message("bad_shard", lang, text=text))
        return int(match[1]), shards
    for variable in INDEX_VARIABLES:
        value = env.get(variable, "").strip()
        if value:
            if not value.isdigit() or int(value) >= shards:
                raise ShardError(message("index_range", lang, var=variable, value=value, last=shards - 1))
            return int(value), shards
    raise ShardError(message("no_index", lang, n=shards))


def deal(students: list[str], shard: int, shards: int) -> list[str]:
    """Shard `shard`'s slice: the sorted ids dealt round-robin (sizes differ by one at most)."""
    return sorted(students)[shard::shards]


def class_fingerprint(students: list[str]) -> str:
    """The sorted student ids, exactly (a name may hold a line break or a byte that is not UTF-8)."""
    return hashlib.sha256(json.dumps(sorted(students)).encode()).hexdigest()


def part_dir(out: Path, shard: int, shards: int) -> Path:
    return out / f"shard-{shard}-of-{shards}"


def write_manifest(
    part: Path,
    shard: int,
    shards: int,
    students: list[str],
    slice_: list[str],
    grader: str,
    lang: str,
    finished: bool,
) -> None:
    """shard.json: what this part is. `finished` is set last, once every student of the slice is graded."""
    manifest = {
        "format": FORMAT,
        "shard": shard,
        "shards": shards,
        "grader": grader,
        "lang": lang,
        "class": {"students": len(students), "fingerprint": class_fingerprint(students)},
        "slice": slice_,
        "finished": finished,
    }
    atomic_write(part / MANIFEST, json_text(manifest))


@dataclass
class Part:
    path: Path
    manifest: dict[str, Any]
    grades: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.manifest['shard']}/{self.manifest['shards']} ({self.path})"


def expand(paths: list[Path]) -> list[Path]:
    """Part folders, a folder holding shard-K-of-N/ folders standing for all of them."""
    found = []
    for path in paths:
        inner = sorted(p for p in path.glob("shard-*-of-*") if PART_NAME.match(p.name) and p.is_dir())
        found += [path] if (path / MANIFEST).exists() or not inner else inner
    return found


def load(path: Path, lang: str) -> Part:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ShardError(message("not_a_part", lang, manifest=MANIFEST, path=path)) from None
    try:
        grades = json.loads((path / "grades.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        grades = {"students": {}}  # nothing graded yet: reported as unfinished
    return Part(path, manifest, grades)


def check_parts(parts: list[Part], grader: str, lang: str) -> None:
    """Raise ShardError naming the first thing that keeps these parts from making one class's grades."""
    if not parts:
        raise ShardError(message("no_parts", lang))
    for what, key in (
        ("format", "format"),
        ("N", "shards"),
        ("grader", "grader"),
        ("lang", "lang"),
        ("class", "class"),
    ):
        values = {json.dumps(p.manifest.get(key), sort_keys=True) for p in parts}
        if len(values) > 1:
            raise ShardError(message("mixed", lang, what=what, values=", ".join(sorted(values))))
    first = parts[0].manifest
    if first["grader"] != grader:
        raise ShardError(message("other_grader", lang, theirs=first["grader"], mine=grader))
    shards = first["shards"]
    by_index: dict[int, Part] = {}
    for part in parts:
        index = part.manifest["shard"]
        if index in by_index:
            raise ShardError(message("twice", lang, k=index, n=shards, a=by_index[index].path, b=part.path))
        by_index[index] = part
    owner: dict[str, Part] = {}
    for part in parts:
        for student in part.manifest["slice"]:
            if student in owner:
                a, b = owner[student].label, part.label
                raise ShardError(message("graded_twice", lang, student=shown(student), a=a, b=b))
            owner[student] = part
    missing = [f"{k}/{shards}" for k in range(shards) if k not in by_index]
    if missing:
        raise ShardError(message("missing", lang, missing=", ".join(missing), n=shards))
    for part in parts:
        ungraded = [s for s in part.manifest["slice"] if s not in part.grades.get("students", {})]
        if ungraded or not part.manifest.get("finished"):
            students = ", ".join(map(shown, ungraded[:10])) + (" …" if len(ungraded) > 10 else "") or "-"
            raise ShardError(
                message(
                    "unfinished", lang, k=part.manifest["shard"], n=shards, path=part.path, students=students
                )
            )
    if class_fingerprint(list(owner)) != first["class"]["fingerprint"]:
        raise ShardError(message("other_class", lang, size=first["class"]["students"]))


def _folder_name(student: str) -> bool:
    """A student id that names one folder (a part's manifest is a file someone could edit)."""
    return student not in ("", ".", "..") and "/" not in student and "\0" not in student


def merge(paths: list[Path], out: Path, lang: str = "ko") -> dict[str, Any]:
    """Check the parts, then write OUT (which must not exist) as one `grade` run would; the grades."""
    from autograder.grading.grade import Gradebook, grader_version

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ShardError(message("exists", lang, out=out))
    parts = [load(path, lang) for path in expand(paths)]
    check_parts(parts, grader_version(), lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # as `grade` makes OUT, not mkdtemp's private 0700
    try:
        book = Gradebook(staging, parts[0].manifest["lang"])
        for part in parts:
            for student in part.manifest["slice"]:
                book.data["students"][student] = part.grades["students"][student]
                if student in part.grades.get("seconds", {}):
                    book.data["seconds"][student] = part.grades["seconds"][student]
                feedback = part.path / "feedback" / student
                if _folder_name(student) and feedback.is_dir():
                    shutil.copytree(feedback, staging / "feedback" / student)
        book.save()
        book.write_report()  # the class's report.html and canvas.csv, in the parts' language
        if out.exists():
            out.rmdir()  # empty (checked above)
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return book.data
