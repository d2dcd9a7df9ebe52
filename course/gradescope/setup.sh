#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (a Debian or Ubuntu base
# whose python3 is 3.11 to 3.13, the Pythons TensorFlow 2.21 and Keras 3.15 install on: e.g. Ubuntu 24.04):
# the zip that `keras-course gradescope-bundle` makes is unpacked in /autograder/source. It installs
# keras-course with its core dependencies only (TensorFlow, Keras, numpy, pytest, rich, matplotlib; no
# docs tooling, no nbgrader) into a venv at /opt/keras-course that every user may read: as root without
# CAP_SYS_ADMIN (a default container) the sandbox runs learner code as an unprivileged user id, which
# must read the interpreter and its packages. pip's environment (PIP_INDEX_URL, PIP_FIND_LINKS, …) is
# honoured, so a mirror or a folder of wheels works too.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends python3 python3-venv bubblewrap fonts-nanum
python3 -m venv /opt/keras-course
# pip compiles what it installs: the sandbox mounts the install read-only, so no step compiles TensorFlow.
# constraints.txt (in the bundle): TensorFlow, Keras and numpy at the versions step 4 was calibrated with.
/opt/keras-course/bin/pip install -q --no-cache-dir -c /autograder/source/constraints.txt /autograder/source
chmod -R a+rX /opt/keras-course
