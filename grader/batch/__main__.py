"""``python -m grader.batch``: the same as ``python -m grader grade``."""

import sys

from grader.batch.cli import main

if __name__ == "__main__":
    sys.exit(main())
