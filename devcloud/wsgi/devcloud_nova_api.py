"""nova-api (os-compute) WSGI app for gunicorn.

nova's wsgi_app parses sys.argv with oslo.config and dies on gunicorn's own
arguments; reset argv first.  Config comes from OS_NOVA_CONFIG_DIR/_FILES.
"""

import sys

sys.argv = sys.argv[:1]

from nova.wsgi.osapi_compute import application  # noqa: E402,F401
