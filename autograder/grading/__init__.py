"""Grading a class, for instructors: a folder of submissions to grades in sandboxed children (grade,
and `keras-course grade`/`merge` in commands), feedback pages (feedback), Gradescope's results.json
(gradescope), nbgrader's gradebook (nbgrader_sync), nbgrader's autograde with the answers run in the
sandbox instead of a kernel (nbgrader_autograde), a class cut into shards for a cluster (shards),
and the measurements behind step 4's threshold (calibrate). Never in a learner's copy.

May import: autograder.core, autograder.checks, autograder.sandbox, autograder.sandbox.child.contract
Learner-facing: no
"""
