"""The course's files made from its one source, solutions/, for instructors: the stubs and the public
checks beside them (stubs), the nbgrader assignment (nbgrader_notebook), the learner's notebook
(learner_notebook), the learners' `.py` release, the Gradescope bundle and a fresh nbgrader course
(release). They read the repository checkout; never in a learner's copy.

May import: autograder.core, autograder.checks
Learner-facing: no
"""
