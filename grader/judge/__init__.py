"""The judge: trusted code that runs the hidden checks over untrusted artifact files.

``python -m grader.judge`` loads every artifact as data (``safe_mode=True``) and runs the pytest
checks in :mod:`grader.judge.checks`; it never imports the pipeline that started it.
"""
