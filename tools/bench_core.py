"""Part 1: the lifecycle core (parse + assess) against only decoding the same JSON payloads."""

from __future__ import annotations

import gc
import json
import time
from dataclasses import dataclass
from statistics import median

from patch_dashboard.lifecycle import assess_cloud, parse_flavor, parse_image, parse_server
from tools import bench_data

SIZES = (1_000, 10_000, 50_000)
REPEATS = {1_000: 7, 10_000: 3, 50_000: 3}
PAGE = 1000  # Glance's and Nova's page size (API_RESULT_LIMIT, [api] max_limit)


@dataclass(frozen=True)
class CoreResult:
    images: int
    servers: int
    flavors: int
    json_bytes: int
    decode_s: float
    core_s: float
    repeats: int
    core_nogc_s: float  # one run with the garbage collector off: the algorithm's own growth

    @property
    def ratio(self) -> float:
        return self.core_s / self.decode_s

    @property
    def items(self) -> int:
        return self.images + self.servers + self.flavors

    @property
    def core_us_per_item(self) -> float:
        return self.core_s / self.items * 1e6

    @property
    def core_nogc_us_per_item(self) -> float:
        return self.core_nogc_s / self.items * 1e6

    @property
    def decode_us_per_item(self) -> float:
        return self.decode_s / self.items * 1e6


def _pages(key: str, items: list[dict]) -> list[str]:
    """The response bodies a client receives, one per page."""
    return [
        json.dumps({key: items[start : start + PAGE]}) for start in range(0, len(items), PAGE)
    ] or [json.dumps({key: []})]


def bodies(cloud: bench_data.Cloud) -> dict[str, list[str]]:
    return {
        "images": _pages("images", cloud.images),
        "servers": _pages("servers", cloud.servers),
        "flavors": [json.dumps({"flavors": cloud.flavors})],
        "volumes": [json.dumps({"volumes": cloud.volumes})],
    }


def decode(texts: dict[str, list[str]]) -> dict[str, list[dict]]:
    """What every client does first: json.loads each response body."""
    return {
        key: [item for body in pages for item in json.loads(body)[key]]
        for key, pages in texts.items()
    }


def core(payloads: dict[str, list[dict]]):
    """What the plugin does with the decoded payloads: records, then one assessment.

    The volume map is built the way patch_dashboard.api.compute builds it.
    """
    volume_image_ids = {}
    for volume in payloads["volumes"]:
        image_id = (volume.get("volume_image_metadata") or {}).get("image_id")
        if image_id:
            volume_image_ids[volume["id"]] = image_id
    images = [parse_image(raw) for raw in payloads["images"]]
    servers = [parse_server(raw, volume_image_ids=volume_image_ids) for raw in payloads["servers"]]
    flavors = [parse_flavor(raw) for raw in payloads["flavors"]]
    return assess_cloud(images=images, servers=servers, flavors=flavors, now=bench_data.NOW)


def _timed(function, *args):
    gc.collect()
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def measure(size: int, *, repeats: int | None = None) -> CoreResult:
    cloud = bench_data.synthetic_cloud(size)
    texts = bodies(cloud)
    del cloud
    repeats = repeats or REPEATS.get(size, 3)
    decode_times, core_times = [], []
    for _ in range(repeats):
        # Interleaved, so both see the same machine load.
        seconds, payloads = _timed(decode, texts)
        decode_times.append(seconds)
        seconds, assessment = _timed(core, payloads)
        core_times.append(seconds)
        del assessment
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        core(payloads)
        core_nogc_s = time.perf_counter() - start
    finally:
        gc.enable()
    counts = {key: len(value) for key, value in payloads.items()}
    return CoreResult(
        images=counts["images"],
        servers=counts["servers"],
        flavors=counts["flavors"],
        json_bytes=sum(len(body) for pages in texts.values() for body in pages),
        decode_s=median(decode_times),
        core_s=median(core_times),
        repeats=repeats,
        core_nogc_s=core_nogc_s,
    )


def run(sizes=SIZES) -> list[CoreResult]:
    return [measure(size) for size in sizes]
