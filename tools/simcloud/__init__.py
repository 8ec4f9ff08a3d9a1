"""A simulated large cloud for ``make bench``: Nova (compute v2.1) and Glance (v2) over HTTP.

One loopback HTTP server (:mod:`tools.simcloud.server`) answers the subset of both APIs that
the plugin and Horizon's stock Instances pages call, from a deterministic cloud of 100,000
servers, 5,000 images and 1,000 projects held compactly (:mod:`tools.simcloud.data`), each page
delayed by a latency model fitted to the development cloud's real Nova and Glance
(:mod:`tools.simcloud.latency`). :mod:`tools.simcloud.keystone` registers it in the
development cloud's real Keystone as a second region, briefly, so real Horizon reaches it
through real Keystone and the real clients.

    python -m tools.simcloud.server            # serve; prints the port
    python -m tools.simcloud.latency           # fit and print the latency model
"""
