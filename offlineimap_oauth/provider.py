"""Moved to ``providers/microsoft/app.py``; this name stays an alias of that module.

``from offlineimap_oauth import provider`` (and monkeypatching
``offlineimap_oauth.provider.X`` in tests) reaches the very same module object,
so callers move to the new name at their own pace.
"""

import sys

from offlineimap_oauth.providers.microsoft import app as _moved

sys.modules[__name__] = _moved
