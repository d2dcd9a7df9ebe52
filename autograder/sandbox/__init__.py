"""Running learner code, trusted side: run each step of a learner's folder in a confined child and
read back plain data (runner), start the children (launch: a fork server inside bubblewrap on Linux,
a process per step elsewhere), read what a child left without trusting it (results), build the
bubblewrap view (bubblewrap), and recompute in a clean child what the checks of steps 2-4 read
(replay). Learner code never runs in these modules' process.

child/ is the other side, what runs in the confined child. The trusted side never imports it: it
starts it as a program (`python -m autograder.sandbox.child.zygote`) and shares only its contract.

May import: autograder.core, autograder.sandbox.child.contract
Learner-facing: yes
"""
