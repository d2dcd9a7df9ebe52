"""keras-course: checks, runner and builders for the five steps."""
