"""What a learner runs: `check(N)` in the learner's notebook (notebook), a step run in the notebook's
own kernel and nbgrader's test cells (kernel), `keras-course watch` (watch) and `pytest exercises/`
(pytest_plugin). In a notebook the learner's code already runs in the learner's own process, so
kernel runs a step in process with the child's harness; the other ways use the sandbox.

May import: autograder.core, autograder.checks, autograder.sandbox, autograder.sandbox.child.contract, autograder.sandbox.child.harness
Learner-facing: yes
"""
