"""The checks: pytest tests of each step's plain data, one module per step in public/ (released,
copied beside the stubs as `exercises/*_test.py`) and hidden/ (never released). Here: what a check
module imports (library), how the checks are found (registry), judged (judging: `judge`, the one
place a check is run, whoever asks) and reported as the table learners and instructors read
(report). Checks never run learner code and never import TensorFlow.

May import: autograder.core
Learner-facing: yes
"""
