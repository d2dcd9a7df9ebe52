"""The course site's generator: build tooling for docs/, not part of the grader a learner installs.

`python -m sitegen.build` (`make build`) regenerates every generated file from its one source and
`--check` (`make check`) fails when one is stale: the stubs and notebooks (made by autograder.course),
and the site's parts (site_pages), some recorded from real runs (site_capture, site_experiments,
site_instructor), its figures (site_figures) and its Hangul web font (site_font). install_sizes
measures what installing costs, on purpose only. It may import anything of autograder; nothing there
imports it.
"""
