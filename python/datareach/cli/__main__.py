"""``python -m datareach.cli``: the ``datareach`` command."""

import sys

from . import main

sys.exit(main())
