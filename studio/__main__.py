"""``python -m studio``: the Glottis studio window."""

import sys

from studio.app import main

if __name__ == "__main__":
    sys.exit(main())
