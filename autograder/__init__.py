"""keras-course: the grader of a five-step Keras course, in folders that name their roles.

    core/           the course's facts and plain data that every part shares
    checks/         the checks (public/, hidden/) and how they are found, judged and reported
    sandbox/        running learner code: the trusted side, and child/, what runs in the confined child
    learner/        what a learner runs: `check(N)` in a notebook, `watch`, the pytest plugin
    grading/        grading a class: grades, feedback, Gradescope, nbgrader's gradebook, shards
    course/         the course's files made from solutions/: stubs, notebooks, the learners' release
    cli.py          the `keras-course` command, on top: nothing imports it

Imports go one way: each folder's `__init__` says what its modules may import (`May import:`, a
package there covers its own modules, not its subpackages) and whether learners get it
(`Learner-facing:`, from which `keras-course release` builds their copy); tests/test_layout.py
holds every module to that. The course site's generator is not here: it is build tooling, in sitegen/.

May import: any
Learner-facing: autograder.cli
"""
