"""Keystone's public WSGI app for gunicorn.

keystone.wsgi.api parses sys.argv with oslo.config and dies on gunicorn's own
arguments; reset argv first.  Config comes from OS_KEYSTONE_CONFIG_FILES.
"""

import sys

sys.argv = sys.argv[:1]

from keystone.wsgi.api import application  # noqa: E402,F401
