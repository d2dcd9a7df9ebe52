"""The course's facts and plain data that every part shares: the five steps (steps), the tutorial's
recipe (spec), the reference model the grader feeds each step (reference, the only module here that
imports Keras), what running a step produced (outcome), reading a file without trusting it (files),
and a learner's submission as step files (submissions).

May import: nothing
Learner-facing: yes
"""
