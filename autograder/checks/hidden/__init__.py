"""The hidden checks, one module per step: graded, never released to learners (the learners' release
and the nbgrader release leave this package out). They verify values that the public checks only see
the shape of."""
