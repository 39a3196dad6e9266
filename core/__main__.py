import sys

from core.cli.parser import main

sys.exit(main())
