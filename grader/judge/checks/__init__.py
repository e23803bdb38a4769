"""The hidden checks: pytest tests over one submission's artifacts, run by :mod:`grader.judge`.

Each ``test_<exercise>.py`` holds the checks of one exercise; each test's title and points are in
:mod:`grader.judge.points`. A failure's message is what the student reads, so it says what is wrong
and what to do, in the lecture's terms.
"""
