"""``python -m chsnn``: the same as the ``chsnn`` command."""

import sys

from .entry import main

sys.exit(main())
