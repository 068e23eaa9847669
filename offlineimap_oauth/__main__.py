"""``python -m offlineimap_oauth`` runs the command-line interface."""

import sys

from offlineimap_oauth.cli import main

sys.exit(main())
