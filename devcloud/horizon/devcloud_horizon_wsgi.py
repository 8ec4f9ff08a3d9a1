"""Horizon WSGI app of the development cloud, for gunicorn.

- serves STATIC_URL from STATIC_ROOT (collectstatic + compress output), so no
  separate web server is needed and DEBUG can stay off;
- no network service in the catalog: Horizon's REST view behind the launch
  wizard's security-group list calls Neutron unconditionally and the wizard
  greets the user with "Unable to retrieve the security groups".  When the
  catalog has no network service, the list is empty instead (demo-only shim,
  applied here and nowhere else).
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


class _StaticFromRoot(StaticFilesHandler):
    def serve(self, request):
        return serve(request, self.file_path(request.path), document_root=settings.STATIC_ROOT)


application = _StaticFromRoot(_django_app)
