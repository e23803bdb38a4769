"""``python -m grader.judge``: see :mod:`grader.judge.run`."""
import sys

from grader.judge.run import main

if __name__ == "__main__":
    sys.exit(main())
