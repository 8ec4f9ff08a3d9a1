"""Hostile metadata shapes (issue 11): the core's cost must grow linearly with them.

Every image property is written by someone untrusted. This builds, in memory, the shapes an
image owner can make: chains of snapshots (each `base_image_ref` the snapshot before),
`replaced_by` chains and `replaced_by` cycles of 2,000 / 4,000 / 8,000 images, and images
whose `hw_mem_page_size` hides a number in a long run of blanks against flavors that set
`hw:mem_page_size`. It times `assess_cloud` on each (the best of several runs), takes its peak
memory (tracemalloc) and the growth per doubling.

    python -m tools.bench_hostile            # prints the table, writes it into docs/benchmarks.md
    python -m tools.bench_hostile --quick    # smaller sizes, fewer runs (a smoke run)

The section sits between marker comments in docs/benchmarks.md and replaces itself there
(appended when absent); `python -m tools.bench` writes it too.
"""

from __future__ import annotations

import argparse
import gc
import os
import pathlib
import sys
import time
import tracemalloc
from dataclasses import dataclass
from datetime import datetime, timezone

from patch_dashboard.lifecycle import assess_cloud, parse_flavor, parse_image, parse_server

CHECKOUT = pathlib.Path(__file__).resolve().parent.parent
REPORT = CHECKOUT / "docs" / "benchmarks.md"
START = "<!-- hostile:start -->"
END = "<!-- hostile:end -->"
TITLE = "6. Hostile metadata: cost per doubling"
GROWTH_TARGET = 2.2  # at most this factor per doubling of the hostile shape (linear = 2.0)
SIZES = (2_000, 4_000, 8_000)
QUICK_SIZES = (1_000, 2_000, 4_000)
BLANKS = (16_000, 32_000, 64_000)  # characters of hw_mem_page_size (Glance allows 65,535)
PAGE_IMAGES = 100  # images carrying such a page size, each with an instance
PAGE_FLAVORS = 20
REPEATS = 15
QUICK_REPEATS = 3
NOW = datetime(2024, 6, 15, 12, 0, tzinfo=timezone.utc)


def _image(image_id: str, name: str, **properties: object) -> dict[str, object]:
    return {
        "id": image_id,
        "name": name,
        "status": "active",
        "visibility": "public",
        "owner": "bench",
        "created_at": "2024-01-01T00:00:00Z",
        **properties,
    }


def _server(server_id: str, image_id: str) -> dict[str, object]:
    return {
        "id": server_id,
        "name": server_id,
        "status": "ACTIVE",
        "tenant_id": "bench",
        "image": {"id": image_id},
        "flavor": {"id": "f0"},
    }


def _flavor(flavor_id: str, **specs: str) -> dict[str, object]:
    return {"id": flavor_id, "name": flavor_id, "vcpus": 1, "ram": 2048, "disk": 20,
            "extra_specs": specs}  # fmt: skip


@dataclass
class Cloud:
    images: list
    servers: list
    flavors: list


def _records(images, servers, flavors) -> Cloud:
    return Cloud(
        [parse_image(raw) for raw in images],
        [parse_server(raw) for raw in servers],
        [parse_flavor(raw) for raw in flavors],
    )


def _every(size: int, prefix: str, image_ids: list[str]) -> list[dict[str, object]]:
    """One instance on every 100th image, so that instances are assessed too."""
    return [_server(f"{prefix}-s{n}", image_ids[n]) for n in range(0, size, 100)]


def snapshot_chain(size: int) -> Cloud:
    """``size`` snapshots, each taken from the one before, the first from a real build."""
    images = [
        _image("base", "Ubuntu 24.04 (20240101)", image_build_date="2024-01-01"),
        _image("new", "Ubuntu 24.04 (20240301)", image_build_date="2024-03-01"),
    ]
    ids = [f"snap{n}" for n in range(size)]
    images += [
        _image(ids[n], f"backup {n}", image_type="snapshot",
               base_image_ref=ids[n - 1] if n else "base")
        for n in reversed(range(size))  # newest first, as Glance lists them
    ]  # fmt: skip
    return _records(images, _every(size, "snap", ids), [_flavor("f0")])


def replaced_by_chain(size: int) -> Cloud:
    """``size`` images, each deprecated in favour of the next."""
    ids = [f"r{n}" for n in range(size)]
    images = [
        _image(ids[n], f"Distro {n}", **({"replaced_by": ids[n + 1]} if n < size - 1 else {}))
        for n in range(size)
    ]
    return _records(images, _every(size, "chain", ids), [_flavor("f0")])


def replaced_by_cycle(size: int) -> Cloud:
    """``size`` images whose replaced_by links close into one cycle."""
    ids = [f"c{n}" for n in range(size)]
    images = [_image(ids[n], f"Distro {n}", replaced_by=ids[(n + 1) % size]) for n in range(size)]
    return _records(images, _every(size, "cycle", ids), [_flavor("f0")])


def page_size_blanks(length: int) -> Cloud:
    """Images whose hw_mem_page_size is a number, ``length`` blanks and a letter, against
    flavors that set hw:mem_page_size (the pair the old pattern backtracked on)."""
    value = "1" + " " * (length - 2) + "x"
    ids = [f"p{n}" for n in range(PAGE_IMAGES)]
    images = [_image(ids[n], f"Paged {n}", hw_mem_page_size=value) for n in range(PAGE_IMAGES)]
    servers = [_server(f"page-s{n}", ids[n]) for n in range(PAGE_IMAGES)]
    flavors = [
        _flavor(f"f{n}", **{"hw:mem_page_size": ("large", "2048", "any", "1GB")[n % 4]})
        for n in range(PAGE_FLAVORS)
    ]
    return _records(images, servers, flavors)


SHAPES = (
    ("snapshot chain", "snapshots", snapshot_chain),
    ("replaced_by chain", "images", replaced_by_chain),
    ("replaced_by cycle", "images", replaced_by_cycle),
    (
        f"hw_mem_page_size of blanks ({PAGE_IMAGES} images x {PAGE_FLAVORS} flavors)",
        "characters",
        page_size_blanks,
    ),
)


@dataclass(frozen=True)
class Row:
    shape: str
    unit: str
    size: int
    seconds: float  # wall clock
    cpu_seconds: float  # this process's CPU time: what other load on the machine barely moves
    peak_bytes: int
    runs: int


def _assess(cloud: Cloud):
    return assess_cloud(images=cloud.images, servers=cloud.servers, flavors=cloud.flavors, now=NOW)


def _timed(cloud: Cloud) -> tuple[float, float]:
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = _assess(cloud)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    del result
    return seconds, cpu


def _peak(cloud: Cloud) -> int:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = _assess(cloud)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak


def measure(shape: str, unit: str, build, sizes, repeats: int) -> list[Row]:
    """One shape at every size; the sizes' runs interleaved, so that they share the load."""
    clouds = {size: build(size) for size in sizes}
    _timed(clouds[sizes[0]])  # warm-up
    times: dict[int, list[tuple[float, float]]] = {size: [] for size in sizes}
    for _ in range(repeats):
        for size in sizes:
            times[size].append(_timed(clouds[size]))
    return [
        Row(
            shape,
            unit,
            size,
            min(wall for wall, _cpu in times[size]),
            min(cpu for _wall, cpu in times[size]),
            _peak(clouds[size]),
            repeats,
        )
        for size in sizes
    ]


def run(*, quick: bool = False, sizes=None, repeats=None) -> list[Row]:
    sizes = sizes or (QUICK_SIZES if quick else SIZES)
    repeats = repeats or (QUICK_REPEATS if quick else REPEATS)
    rows = []
    for shape, unit, build in SHAPES:
        for row in measure(shape, unit, build, BLANKS if unit == "characters" else sizes, repeats):
            print(
                "  %s, %s %s: %.4f s, %.1f MiB"
                % (shape, f"{row.size:,}", unit, row.seconds, row.peak_bytes / 2**20),
                flush=True,
            )
            rows.append(row)
    return rows


def _growth(rows: list[Row]) -> list[tuple[Row, tuple[float, float, float] | None]]:
    """Each row with its (wall, CPU, memory) ratio to the size before (None for the first)."""
    out: list[tuple[Row, tuple[float, float, float] | None]] = []
    for index, row in enumerate(rows):
        before = rows[index - 1] if index else None
        if before is None or before.shape != row.shape:
            out.append((row, None))
        else:
            out.append(
                (
                    row,
                    (
                        row.seconds / before.seconds,
                        row.cpu_seconds / max(before.cpu_seconds, 1e-9),
                        row.peak_bytes / max(before.peak_bytes, 1),
                    ),
                )
            )
    return out


def section(rows: list[Row]) -> tuple[list[str], list[str]]:
    """The table and its summary lines (without heading or markers)."""
    grown = _growth(rows)
    lines = [
        "| shape | size | assess_cloud best s (wall) | best CPU s | tracemalloc peak MiB "
        "| wall per doubling | CPU per doubling | memory per doubling | runs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row, ratios in grown:
        shown = ["", "", ""] if ratios is None else ["%.2fx" % ratio for ratio in ratios]
        lines.append(
            "| %s | %s %s | %.4f | %.4f | %.1f | %s | %s | %s | %d |"
            % (
                row.shape,
                f"{row.size:,}",
                row.unit,
                row.seconds,
                row.cpu_seconds,
                row.peak_bytes / 2**20,
                *shown,
                row.runs,
            )
        )
    measured = [ratios for _row, ratios in grown if ratios is not None]
    wall, cpu, memory = (max((r[i] for r in measured), default=0.0) for i in range(3))
    load = "%.2f %.2f %.2f" % os.getloadavg()
    summary = [
        "hostile shapes at most %.1fx CPU time per doubling: %s (worst %.2fx); memory: %s "
        "(worst %.2fx); wall clock: %s (worst %.2fx, load average %s on %d CPUs)"
        % (
            GROWTH_TARGET,
            verdict(cpu),
            cpu,
            verdict(memory),
            memory,
            verdict(wall),
            wall,
            load,
            os.cpu_count() or 0,
        )
    ]
    return lines, summary


def verdict(ratio: float) -> str:
    return "met" if ratio <= GROWTH_TARGET else "**missed**"


NOTES = """\
Each shape is built in memory by `tools/bench_hostile.py` (records parsed beforehand, not
timed) and assessed by `assess_cloud` with one instance on every 100th image; the page-size
rows are images whose `hw_mem_page_size` is "1", blanks and "x" (a value is capped before
any pattern sees it, so their cost does not depend on its length). Time: the best of the runs
(the fastest is the one other load on the machine disturbed least; the sizes of a shape
interleaved, after a warm-up) with the garbage collector on, as wall
clock and as the process's CPU time (other load on this shared machine moves the wall clock
far more); memory: tracemalloc peak of one more run. A doubling of a linear cost is 2.0x;
the target allows 2.2x."""


def markdown(rows: list[Row]) -> list[str]:
    """The whole section, markers included."""
    lines, summary = section(rows)
    return (
        [START, "## " + TITLE, "", NOTES, ""]
        + lines
        + [""]
        + ["- " + line for line in summary]
        + [END]
    )


def existing(text: str) -> list[str] | None:
    """The marked section of a report, markers included (None when there is none)."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start : end + len(END)].splitlines()


def write(section_lines: list[str], path: pathlib.Path = REPORT) -> None:
    """Replace the marked section of ``path``, or append it."""
    block = "\n".join(section_lines)
    text = path.read_text() if path.exists() else ""
    start, end = text.find(START), text.find(END)
    if start >= 0 and end > start:
        text = text[:start] + block + text[end + len(END) :]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs")
    parser.add_argument("--output", default=str(REPORT), help="markdown report path")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    print("== 6. hostile metadata shapes", flush=True)
    rows = run(quick=args.quick)
    lines = markdown(rows)
    print("\n".join(lines))
    if not args.no_write:
        write(lines, pathlib.Path(args.output))
        print("== written to %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
