"""The course site's generator: build tooling for docs/, not part of the grader a learner installs.

`python -m sitegen.build` (`make build`) regenerates every generated file from its one source and
`--check` (`make check`) fails when one is stale: the stubs and notebooks (made by autograder.authoring),
and the site's parts, registered in site_pages: the learners' pages (site_pages, step_pages) and the
instructor guide's (instructor_page), in the words of docs/_snippets/words.yml (words), written with
markdown's blocks. Some parts are recorded from real runs, remade only when what they are made from
changes (recordings: site_capture, site_experiments, site_instructor), with the figures (site_figures)
and the Hangul web font (site_font). install_sizes measures what installing costs, on purpose only.
It may import anything of autograder; nothing there imports it.
"""
