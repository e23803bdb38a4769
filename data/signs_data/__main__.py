"""``python -m signs_data``: see :mod:`signs_data.cli`."""

import sys

from .cli import main

sys.exit(main())
