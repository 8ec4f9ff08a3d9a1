"""Horizon WSGI app of the development cloud, for gunicorn.

- serves STATIC_URL from STATIC_ROOT (collectstatic + compress output), so no
  separate web server is needed and DEBUG can stay off;
- no network service in the catalog: Horizon's REST view behind the launch
  wizard's security-group list calls Neutron unconditionally and the wizard
  greets the user with "Unable to retrieve the security groups".  When the
  catalog has no network service, the list is empty instead (demo-only shim,
  applied here and nowhere else);
- likewise servers launched from the wizard get ``nics="none"``.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstack_dashboard.settings")

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.views.static import serve  # noqa: E402

_django_app = get_wsgi_application()

from openstack_dashboard import api  # noqa: E402

_security_group_list = api.neutron.security_group_list


def _security_group_list_without_network(request, *args, **kwargs):
    if not api.base.is_service_enabled(request, "network"):
        return []
    return _security_group_list(request, *args, **kwargs)


api.neutron.security_group_list = _security_group_list_without_network

# No network service either for the servers the wizard creates: it sends no nics, and Nova
# >= 2.37 requires "none" then (novaclient refuses an empty list). Demo-only shim.
from novaclient.v2 import servers as _servers  # noqa: E402

_server_create = _servers.ServerManager.create


def _server_create_without_network(self, name, image, flavor, *args, nics=None, **kwargs):
    return _server_create(self, name, image, flavor, *args, nics=nics or "none", **kwargs)


_servers.ServerManager.create = _server_create_without_network


class _StaticFromRoot(StaticFilesHandler):
    def serve(self, request):
        return serve(request, self.file_path(request.path), document_root=settings.STATIC_ROOT)


application = _StaticFromRoot(_django_app)
