"""The public checks, one module per step: learners get them (as `exercises/*_test.py`) and run them
with `pytest exercises/` or `keras-course check`.

May import: autograder.core, autograder.checks
Learner-facing: yes
"""
