"""``python -m core.cli``: the ``catdog`` command, as torchrun launches it."""

import sys

from core.cli.parser import main

sys.exit(main())
