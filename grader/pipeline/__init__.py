"""Trusted orchestration of one grading: read, produce sandboxed, judge.

Nothing here imports the judge: it runs as a separate process (``python -m grader.judge``), and its
verdicts come back as a validated file.
"""
