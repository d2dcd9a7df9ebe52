"""The hidden checks, one module per step: graded, never released to learners (the learners' release
and the nbgrader release leave this package out). They verify values that the public checks only see
the shape of. Nothing imports them by name: autograder.checks.registry finds them where installed.

May import: autograder.core, autograder.checks
Learner-facing: no
"""
