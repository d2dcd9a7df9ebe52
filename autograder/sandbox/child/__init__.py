"""Running learner code, child side: what runs in the confined child, started as a program by the
trusted side (autograder.sandbox). The fork server (zygote) imports TensorFlow once and forks a
keeper per step; the keeper confines the step (confine, seccomp) and its runner imports the
learner's file and exports plain data (harness). contract holds what both sides agree on.

Only this package and what it may import (below) enter the sandbox (autograder.sandbox.bubblewrap
stages them): never the check library, the hidden checks, grading or solutions/.

May import: autograder.core
Learner-facing: yes
"""
