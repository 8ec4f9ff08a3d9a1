"""The only place that talks to OpenStack, always with the logged-in user's token.

Thin functions over Horizon's ``openstack_dashboard.api`` (request first), each listing one
service once per request (paged through), turning payloads into lifecycle records.
"""
