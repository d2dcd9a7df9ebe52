#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu). The zip that
# `keras-course gradescope-bundle` makes puts keras-course's source in /autograder/source.
set -euo pipefail
apt-get install -y -q python3 python3-venv python3-pip bubblewrap
python3 -m venv /opt/keras-course
/opt/keras-course/bin/pip install -q /autograder/source
# The sandbox mounts the install read-only: compile it once, or every step compiles TensorFlow.
/opt/keras-course/bin/python -m compileall -q -j 0 /opt/keras-course/lib > /dev/null || true
