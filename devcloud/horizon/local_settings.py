"""Horizon settings of the patch-dashboard development cloud.

Linked by devcloud/cloud.sh as openstack_dashboard/local/local_settings.py in
the checkout's .venv.  Everything it writes lives in the devcloud state
directory: $PATCH_DASHBOARD_DEVCLOUD_DIR, default <checkout>/.devcloud.
"""

import os

from horizon.utils import secret_key

_CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
DEVCLOUD_STATE = os.path.realpath(
    os.environ.get("PATCH_DASHBOARD_DEVCLOUD_DIR", os.path.join(_CHECKOUT, ".devcloud"))
)
_HORIZON_STATE = os.path.join(DEVCLOUD_STATE, "horizon")
_KEYSTONE_PORT = os.environ.get("DEVCLOUD_KEYSTONE_PORT", "5000")
_MEMCACHED_PORT = os.environ.get("DEVCLOUD_MEMCACHED_PORT", "21211")
_INDEX_CACHE_PORT = os.environ.get("DEVCLOUD_INDEX_CACHE_PORT", "21212")

DEBUG = os.environ.get("DEVCLOUD_HORIZON_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
WEBROOT = "/"

SECRET_KEY = secret_key.generate_or_read_from_file(
    os.path.join(_HORIZON_STATE, ".secret_key_store")
)

STATIC_ROOT = os.path.join(_HORIZON_STATE, "static")
STATIC_URL = "/static/"
COMPRESS_ENABLED = True
COMPRESS_OFFLINE = True
COMPRESS_ROOT = STATIC_ROOT

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": "127.0.0.1:%s" % _MEMCACHED_PORT,
        "KEY_PREFIX": "devcloud-horizon",
    },
    # patch-dashboard's index (PATCH_DASHBOARD_INDEX_CACHE below), on a memcached apart from
    # the sessions: an operator may also give it the default cache.
    "index": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": "127.0.0.1:%s" % _INDEX_CACHE_PORT,
        "KEY_PREFIX": "devcloud-horizon",
        "TIMEOUT": None,
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"

OPENSTACK_HOST = "127.0.0.1"
OPENSTACK_KEYSTONE_URL = "http://127.0.0.1:%s/v3" % _KEYSTONE_PORT
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = "Default"
OPENSTACK_KEYSTONE_DEFAULT_ROLE = "member"
OPENSTACK_KEYSTONE_MULTIDOMAIN_SUPPORT = False
OPENSTACK_ENDPOINT_TYPE = "publicURL"
TIME_ZONE = "UTC"

# No network service in the catalog: switch off every Neutron feature, else
# /project/ answers 500 "Invalid service catalog: network".
OPENSTACK_NEUTRON_NETWORK = {
    "enable_auto_allocated_network": False,
    "enable_distributed_router": False,
    "enable_fip_topology_check": False,
    "enable_ha_router": False,
    "enable_ipv6": False,
    "enable_quotas": False,
    "enable_rbac_policy": False,
    "enable_router": False,
    "default_dns_nameservers": [],
    "supported_provider_types": ["*"],
    "segmentation_id_range": {},
    "extra_provider_types": {},
    "supported_vnic_types": ["*"],
    "physical_networks": [],
}
OPENSTACK_CINDER_FEATURES = {"enable_backup": False}
OPENSTACK_HYPERVISOR_FEATURES = {
    "can_set_mount_point": False,
    "can_set_password": False,
    "requires_keypair": False,
    "enable_quotas": True,
}
LAUNCH_INSTANCE_DEFAULTS = {
    "config_drive": False,
    "create_volume": False,
    "hide_create_volume": True,
    "disable_image": False,
    "disable_instance_snapshot": False,
    "disable_volume": True,
    "disable_volume_snapshot": True,
    "enable_scheduler_hints": True,
    "enable_metadata": True,
    "enable_net_ports": False,
}
IMAGE_META_DEFINITIONS = True
SESSION_TIMEOUT = 8 * 3600
SESSION_REFRESH = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(process)d %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"level": "INFO", "class": "logging.StreamHandler", "formatter": "plain"},
        "null": {"class": "logging.NullHandler"},
    },
    "loggers": {
        "": {"handlers": ["console"], "level": "INFO"},
        "django.db.backends": {"handlers": ["null"], "propagate": False},
        "requests": {"handlers": ["null"], "propagate": False},
        "urllib3": {"handlers": ["null"], "propagate": False},
        "keystoneauth": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# patch-dashboard: the list panels read an index of their scope kept in the "index" cache
# above (memcached, 512 MB), refreshed in the background when 30 s old (from what changed
# since the last refresh; the whole scope listed again every hour, the default: a full
# listing of make bench's simulated 100,000 instances takes longer than 5 minutes).
PATCH_DASHBOARD_INDEX_SECONDS = 30
PATCH_DASHBOARD_INDEX_CACHE = "index"
