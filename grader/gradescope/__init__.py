"""The Gradescope front door: builds the autograder package and grades inside Gradescope.

``python -m grader gradescope`` writes ``autograder.zip`` (:mod:`grader.gradescope.package`);
Gradescope unpacks it into ``/autograder/source``, runs its ``setup.sh`` once, and then its
``run_autograder`` for every submission, which runs :mod:`grader.gradescope.run`.
"""
