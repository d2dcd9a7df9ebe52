"""Measure what installing the course costs, for the setup page: the wheels pip downloads and the
size of the installed `.venv`, for the learners' wheel (`pip install dist/keras_course_learner-….whl`
in what `keras-course release` writes) and for this repository (`make install`, which must have run).

    python -m sitegen.install_sizes      # several minutes; writes docs/_snippets/install_sizes.json

Like autograder/calibration.json it is measured on purpose, not by `make build` (it downloads about
half a gigabyte); tests/test_site_generated.py fails when the installed TensorFlow is not the one measured.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES_JSON = ROOT / "docs" / "_snippets" / "install_sizes.json"
# What `python -m venv` brings itself (ensurepip): nothing to download.
BUNDLED = {"pip", "setuptools"}


def disk_usage(folder: Path) -> int:
    """Bytes on disk under `folder`, as `du` counts them (blocks, each hard-linked file once)."""
    seen, total = set(), 0
    for directory, _, files in os.walk(folder):
        for name in files:
            stat = os.lstat(os.path.join(directory, name))
            if (stat.st_dev, stat.st_ino) not in seen:
                seen.add((stat.st_dev, stat.st_ino))
                total += stat.st_blocks * 512
    return total


def installed(python: Path) -> list[str]:
    """`name==version` of every distribution in the environment of `python`, the course itself left out."""
    done = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = json.loads(done.stdout)
    return sorted(
        f"{d['name']}=={d['version']}"
        for d in names
        if d["name"].lower() not in BUNDLED and not d["name"].lower().startswith("keras-course")
    )


def wheels(requirements: list[str], folder: Path) -> dict[str, int]:
    """Download each pinned requirement's wheel for this platform with pip; their sizes in bytes."""
    listed = folder / "requirements.txt"
    listed.write_text("\n".join(requirements) + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:"]
    subprocess.run([*command, "-d", str(folder), "-r", str(listed)], check=True)
    return {p.name: p.stat().st_size for p in folder.glob("*.whl")}


def measure(venv: Path, scratch: Path) -> dict[str, Any]:
    requirements = installed(venv / "bin" / "python")
    files = wheels(requirements, scratch)
    tensorflow = {name: size for name, size in files.items() if name.startswith("tensorflow")}
    (site_packages,) = venv.glob("lib/python*/site-packages")
    return {
        "packages": len(requirements),
        "download_bytes": sum(files.values()),
        "installed_bytes": disk_usage(venv),
        "tensorflow_wheel": tensorflow,
        "tensorflow_installed_bytes": disk_usage(site_packages / "tensorflow"),
    }


def pythons_with_wheels(distribution: str, version: str) -> list[str]:
    """The Python versions (3.8 to 3.15) for which the registry has a wheel of this release here."""
    found = []
    for minor in range(8, 16):
        command = [sys.executable, "-m", "pip", "index", "versions", distribution, "--only-binary", ":all:"]
        done = subprocess.run([*command, "--python-version", f"3.{minor}"], capture_output=True, text=True)
        available = re.search(r"^Available versions: (.*)$", done.stdout, re.M)  # not "INSTALLED: ..."
        if available and version in available[1].split(", "):
            found.append(f"3.{minor}")
    return found


def learners_bundle(scratch: Path) -> dict[str, Any]:
    """Install the learners' wheel as the release's README says (plain pip, a new venv); measure it."""
    from autograder.authoring.release import write_release

    bundle = scratch / "bundle"
    write_release(bundle)
    (wheel,) = (bundle / "dist").glob("*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(bundle / ".venv")], check=True)
    subprocess.run([str(bundle / ".venv" / "bin" / "pip"), "install", "-q", str(wheel)], check=True)
    (scratch / "wheels").mkdir()
    return measure(bundle / ".venv", scratch / "wheels")


def main() -> None:
    repository_venv = ROOT / ".venv"
    if not (repository_venv / "bin" / "python").exists():
        sys.exit("run `make install` first: the repository's .venv is measured too")
    with tempfile.TemporaryDirectory(prefix="keras-course-sizes-") as tmp:
        learner = learners_bundle(Path(tmp, "learner"))
    with tempfile.TemporaryDirectory(prefix="keras-course-sizes-") as tmp:
        repository = measure(repository_venv, Path(tmp))
    tensorflow = next(name for name in ("tensorflow-cpu", "tensorflow") if _has_distribution(name))
    data = {
        "_comment": "measured by `python -m sitegen.install_sizes`; do not edit",
        "python": platform.python_version(),
        "platform": f"{sys.platform}-{platform.machine()}",
        "tensorflow": f"{tensorflow} {metadata.version(tensorflow)}",
        "tensorflow_pythons": pythons_with_wheels(tensorflow, metadata.version(tensorflow)),
        "requires_python": metadata.metadata("keras-course")["Requires-Python"],
        "keras": metadata.version("keras"),
        "learner": learner,
        "repository": repository,
    }
    SIZES_JSON.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {SIZES_JSON.relative_to(ROOT)}")


def _has_distribution(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


if __name__ == "__main__":
    main()
