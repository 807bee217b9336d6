"""``python -m chgraph.cli``: the ``chgraph`` command."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
