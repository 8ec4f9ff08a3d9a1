"""A scope's index kept in Horizon's shared Django cache (issue 13, first slice).

Any backend of Django's cache framework works; memcached (Horizon's default) refuses items
over 1 MiB, so every value is compressed and split into items of at most ``ITEM_BYTES``,
written under a fresh generation, then switched to by one small manifest item written
last: a reader sees the old value or the new one, never a mix. A missing or altered item
reads as absent (the index is rebuilt from Nova and Glance; nothing lives only here).

Keys name the Keystone endpoint and region as well as the scope, because one Horizon may
serve several clouds and regions; they are hashed, so no user-supplied text reaches the
backend's key rules (memcached: 250 bytes, no spaces or control characters).

The single-flight lock is the cache's atomic ``add``: one refresh of a scope at a time
across every worker that shares the cache; the others read the last index.
"""

import hashlib
import logging
import pickle
import secrets
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

LOG = logging.getLogger(__name__)

VERSION = 3  # 2: items under per-item generations (increments); 3: rows without assessments
ITEM_BYTES = 900 * 1024  # under memcached's 1 MiB item limit, with room for its overhead
PREFIX = "patch_dashboard:index"


def scope_key(keystone_url: str, region: str, scope: str) -> str:
    """The cache key prefix of one scope (``cloud`` or ``project:<id>``) of one cloud."""
    digest = hashlib.sha256("\n".join((keystone_url, region, scope)).encode()).hexdigest()
    return "%s:v%d:%s" % (PREFIX, VERSION, digest[:40])


@dataclass(frozen=True)
class Written:
    """What a write stored: the number of items and the largest item's size in bytes."""

    items: int
    largest: int
    total: int


class IndexStore:
    """Values of one scope, by name, in a Django cache (``django.core.cache.caches[...]``)."""

    def __init__(self, cache, key: str, *, item_bytes: int = ITEM_BYTES) -> None:
        self.cache = cache
        self.key = key
        self.item_bytes = item_bytes
        self._locks: dict[str, tuple[str, int]] = {}

    def _manifest_key(self, name: str) -> str:
        return "%s:%s" % (self.key, name)

    def write(self, name: str, value: object, *, timeout: int | None = None) -> Written:
        """Store ``value`` under ``name``; raises what the backend raises (cache down)."""
        # Level 1: 40 % of the time of level 6 for 12 % more bytes (an index's items, 10,000
        # rows); an incremental refresh writes hundreds of items.
        blob = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
        generation = secrets.token_hex(8)
        chunks = [
            blob[start : start + self.item_bytes] for start in range(0, len(blob), self.item_bytes)
        ] or [b""]
        items = {
            "%s:%s:%s:%d" % (self.key, name, generation, index): chunk
            for index, chunk in enumerate(chunks)
        }
        failed = self.cache.set_many(items, timeout=timeout)
        if failed:
            raise OSError("the cache refused %d of %d items" % (len(failed), len(items)))
        manifest = {
            "generation": generation,
            "items": len(chunks),
            "sha256": hashlib.sha256(blob).hexdigest(),
        }
        self.cache.set(self._manifest_key(name), manifest, timeout=timeout)
        return Written(items=len(chunks) + 1, largest=max(map(len, chunks)), total=len(blob))

    def read(self, name: str) -> object | None:
        """The value under ``name``, or None when it is absent or incomplete; raises what the
        backend raises (cache down)."""
        manifest = self.cache.get(self._manifest_key(name))
        if not isinstance(manifest, dict):
            return None
        try:
            keys = [
                "%s:%s:%s:%d" % (self.key, name, manifest["generation"], index)
                for index in range(int(manifest["items"]))
            ]
        except (KeyError, TypeError, ValueError):
            return None
        found = self.cache.get_many(keys)
        if len(found) != len(keys):
            return None  # evicted: rebuild
        blob = b"".join(found[key] for key in keys)
        if hashlib.sha256(blob).hexdigest() != manifest.get("sha256"):
            LOG.warning("patch_dashboard: index item %s does not match its manifest", name)
            return None
        return pickle.loads(zlib.decompress(blob))  # noqa: S301 - written by this module

    def expire(self, name: str, seconds: int) -> None:
        """Let the value under ``name`` expire ``seconds`` from now (a replaced generation:
        a reader still on it finishes its page; the cache then frees it)."""
        manifest = self.cache.get(self._manifest_key(name))
        if not isinstance(manifest, dict):
            return
        self.cache.touch(self._manifest_key(name), seconds)
        try:
            parts = int(manifest["items"])
        except (KeyError, TypeError, ValueError):
            return
        for index in range(parts):
            self.cache.touch(
                "%s:%s:%s:%d" % (self.key, name, manifest["generation"], index), seconds
            )

    @contextmanager
    def lock(self, name: str, *, timeout: int) -> Iterator[bool]:
        """``with store.lock("refresh", timeout=300) as held:`` ``held`` is True for the one
        caller across all workers that got it; the lock expires after ``timeout`` seconds
        should its holder die."""
        key = "%s:lock:%s" % (self.key, name)
        token = secrets.token_hex(8)
        held = bool(self.cache.add(key, token, timeout=timeout))
        if held:
            self._locks[name] = (token, timeout)
        try:
            yield held
        finally:
            if held:
                self._locks.pop(name, None)
                if self.cache.get(key) == token:
                    self.cache.delete(key)

    def renew(self, name: str) -> None:
        """Push back the expiry of a lock this store holds (a long build renews its lock as
        it goes, so the lock can be short: a worker killed mid-build blocks the next build
        for one lock timeout, not for the longest build there could be)."""
        if name in self._locks:
            token, timeout = self._locks[name]
            key = "%s:lock:%s" % (self.key, name)
            if self.cache.get(key) == token:
                self.cache.touch(key, timeout)
