"""Per-page latency of the simulated cloud, fitted to the development cloud's real services.

The model: a listing page of ``n`` items costs ``fixed + per_item * n`` seconds (Nova
``GET /servers/detail``, Glance ``GET /v2/images``); other requests cost ``fixed``. The
simulator sleeps what its own work has not already taken of that.

:func:`calibrate` times real ``GET /servers/detail?limit=N&all_tenants=1`` and
``GET /v2/images?limit=N`` on the development cloud (admin token from its Keystone, the
microversion Horizon's server list sends) at several ``N`` up to what the cloud holds, takes
the median of each, and fits the two coefficients by least squares.

    python -m tools.simcloud.latency         # prints the fit; --json FILE writes it
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import time
from dataclasses import asdict, dataclass

import requests

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
CREDENTIALS = CHECKOUT / ".devcloud" / "credentials.json"
NOVA = "http://127.0.0.1:8774/v2.1"
GLANCE = "http://127.0.0.1:9292"
# Horizon's server_list_paged: novaclient at the "locked_attribute" microversion
NOVA_MICROVERSION = "2.42"
TIMEOUT = 120


@dataclass(frozen=True)
class LatencyModel:
    nova_fixed: float = 0.0  # seconds per request
    nova_per_item: float = 0.0  # seconds per server in a listing page
    glance_fixed: float = 0.0
    glance_per_item: float = 0.0
    source: str = "none"  # "calibrated <when>", "none" (no delay) or a file name

    def seconds(self, service: str, items: int = 0) -> float:
        if service == "nova":
            return self.nova_fixed + self.nova_per_item * items
        if service == "glance":
            return self.glance_fixed + self.glance_per_item * items
        return 0.0

    def describe(self) -> str:
        return (
            "Nova servers/detail: %.1f ms + %.3f ms/server; "
            "Glance images: %.1f ms + %.3f ms/image (%s)"
            % (
                self.nova_fixed * 1000,
                self.nova_per_item * 1000,
                self.glance_fixed * 1000,
                self.glance_per_item * 1000,
                self.source,
            )
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LatencyModel:
        return cls(**json.loads(text))


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares ``seconds = fixed + per_item * n``; both clamped at 0."""
    if len({n for n, _ in points}) < 2:
        raise ValueError("need timings at two page sizes at least")
    mean_n = statistics.fmean(n for n, _ in points)
    mean_t = statistics.fmean(t for _, t in points)
    spread = sum((n - mean_n) ** 2 for n, _ in points)
    per_item = sum((n - mean_n) * (t - mean_t) for n, t in points) / spread
    per_item = max(per_item, 0.0)
    return max(mean_t - per_item * mean_n, 0.0), per_item


def admin_token(credentials: dict) -> str:
    user = credentials["users"]["admin"]
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": user["username"],
                        "domain": {"name": "Default"},
                        "password": user["password"],
                    }
                },
            },
            "scope": {"project": {"name": user["project"], "domain": {"name": "Default"}}},
        }
    }
    response = requests.post(
        credentials["keystone_url"].rstrip("/") + "/auth/tokens", json=body, timeout=TIMEOUT
    )
    response.raise_for_status()
    return response.headers["X-Subject-Token"]


def _time_pages(
    session: requests.Session, url: str, key: str, sizes: list[int], repeats: int
) -> list[tuple[int, float]]:
    """(items returned, median seconds) per page size; the sizes interleaved round by round,
    so that a burst of load on the shared machine spreads over all of them."""
    times: dict[int, list[float]] = {size: [] for size in sizes}
    returned: dict[int, int] = {}
    for round_ in range(repeats + 1):  # round 0 warms the service's caches
        for size in sizes:
            started = time.perf_counter()
            response = session.get(url, params={"limit": size}, timeout=TIMEOUT)
            seconds = time.perf_counter() - started
            response.raise_for_status()
            returned[size] = len(response.json()[key])
            if round_:
                times[size].append(seconds)
    return [(returned[size], statistics.median(times[size])) for size in sizes]


def _sizes(total: int) -> list[int]:
    """Page sizes up to what the cloud holds (1000: the APIs' cap)."""
    return sorted({max(1, min(total, size)) for size in (1, 10, 50, 200, 500, 1000)})


def calibrate(
    credentials_path: pathlib.Path = CREDENTIALS, *, repeats: int = 9, log=print
) -> LatencyModel:
    """Time the development cloud's Nova and Glance listings and fit the model."""
    credentials = json.loads(credentials_path.read_text())
    token = admin_token(credentials)
    with requests.Session() as nova, requests.Session() as glance:
        nova.headers.update(
            {
                "X-Auth-Token": token,
                "X-OpenStack-Nova-API-Version": NOVA_MICROVERSION,
                "OpenStack-API-Version": "compute " + NOVA_MICROVERSION,
            }
        )
        glance.headers["X-Auth-Token"] = token
        servers_url = NOVA + "/servers/detail?all_tenants=1"
        images_url = GLANCE + "/v2/images"
        total_servers = len(
            nova.get(servers_url, params={"limit": 1000}, timeout=TIMEOUT).json()["servers"]
        )
        total_images = len(
            glance.get(images_url, params={"limit": 1000}, timeout=TIMEOUT).json()["images"]
        )
        nova_points = _time_pages(nova, servers_url, "servers", _sizes(total_servers), repeats)
        glance_points = _time_pages(glance, images_url, "images", _sizes(total_images), repeats)
    for name, points in (("nova", nova_points), ("glance", glance_points)):
        log(
            "  calibration %s: %s"
            % (name, ", ".join("%d items %.1f ms" % (n, t * 1000) for n, t in points))
        )
    nova_fixed, nova_per_item = fit(nova_points)
    glance_fixed, glance_per_item = fit(glance_points)
    return LatencyModel(
        nova_fixed=nova_fixed,
        nova_per_item=nova_per_item,
        glance_fixed=glance_fixed,
        glance_per_item=glance_per_item,
        source="calibrated %s against %s and %s (%d servers, %d images there; load %.1f)"
        % (
            time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            NOVA,
            GLANCE,
            total_servers,
            total_images,
            os.getloadavg()[0],
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json", type=pathlib.Path, help="write the model here")
    args = parser.parse_args()
    model = calibrate(repeats=args.repeats)
    print(model.describe())
    if args.json:
        args.json.write_text(model.to_json())


if __name__ == "__main__":
    main()
