"""`python -m flows.cli`: the same as `pankg`."""

import sys

from flows.cli import main

sys.exit(main())
