"""How far a listing has got, for the index's cold-start progress bar.

The listings (:func:`patch_dashboard.api.compute.list_servers`,
:func:`patch_dashboard.api.images.list_images`) report each page they read with
:func:`read`; a build of an index installs a reporter on its request with
:func:`reporting` and hears of every page, from whichever thread the listing runs in (the
loader lists the services in parallel threads); for any other request a report is a no-op.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

ATTRIBUTE = "_patch_dashboard_progress"


def read(request, kind: str, count: int) -> None:
    """``count`` more rows of ``kind`` ("servers", "images") were read for ``request``."""
    reporter = getattr(request, ATTRIBUTE, None)
    if reporter is not None:
        reporter(kind, count)


@contextmanager
def reporting(request, reporter: Callable[[str, int], None]) -> Iterator[None]:
    """Within the block, the listings made for ``request`` report to ``reporter``."""
    setattr(request, ATTRIBUTE, reporter)
    try:
        yield
    finally:
        setattr(request, ATTRIBUTE, None)
