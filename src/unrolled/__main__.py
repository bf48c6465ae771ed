"""``python -m unrolled`` runs the command line, as the console script does."""

import sys

from unrolled_entry import main

if __name__ == "__main__":
    sys.exit(main())
