"""JSON endpoints for the plugin's Angular code, in Horizon's REST API registry.

Importing a module here runs its ``@urls.register`` decorators, which add its views under
Horizon's ``/api/`` prefix; this package must be imported when Horizon starts.
"""

from patch_dashboard.api.rest import instances, launch

__all__ = ["instances", "launch"]
