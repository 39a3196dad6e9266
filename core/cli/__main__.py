"""``python -m core.cli``: the ``catdog`` command, as torchrun launches it."""

import sys

from core.cli.main import main

sys.exit(main())
