"""The signing key of the restore records: Horizon's ``SECRET_KEY``, when the user gives it.

The dashboard signs ``patch_dashboard_applied`` with Django's ``Signer`` keyed by Horizon's
``SECRET_KEY`` and this salt (``patch_dashboard.api.lifecycle``); the CLI uses the same
``Signer`` with the same salt, so a record either writes is honoured by the other. Without
the key the CLI cannot sign or verify: every record then counts as absent
(:class:`UnsignedRecords`), as the core treats any record it cannot verify.

The key comes from a file (``--signing-key-file``, or ``PATCH_DASHBOARD_SIGNING_KEY_FILE``)
or from ``PATCH_DASHBOARD_SIGNING_KEY``; never from a command-line value, which other users
of the machine could read in the process list.
"""

from __future__ import annotations

import os
from pathlib import Path

from patch_dashboard.cli import text
from patch_dashboard.lifecycle.actions import RECORD_SALT

KEY_VARIABLE = "PATCH_DASHBOARD_SIGNING_KEY"
KEY_FILE_VARIABLE = "PATCH_DASHBOARD_SIGNING_KEY_FILE"


class SigningKeyError(Exception):
    """The key file cannot be read, or holds no key."""


class UnsignedRecords:
    """No key: records are written as bare JSON, and no record verifies."""

    signed = False

    def sign(self, value: str, /) -> str:
        return value

    def unsign(self, signed_value: str, /) -> str:
        raise ValueError("no signing key: the record cannot be verified")


def read_key_file(path: str | os.PathLike[str]) -> str:
    """The key in ``path``: its whole content, one trailing line break ignored (Horizon's
    ``.secret_key_store`` holds the key alone)."""
    try:
        content = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SigningKeyError("cannot read the signing key file %s: %s" % (path, error)) from error
    key = content[:-2] if content.endswith("\r\n") else content.removesuffix("\n")
    if not key.strip():
        raise SigningKeyError("the signing key file %s is empty" % path)
    return key


def record_signer(key_file: str | None = None, environ=None):
    """Django's ``Signer`` for the records when a key is given, else :class:`UnsignedRecords`."""
    environ = os.environ if environ is None else environ
    key_file = key_file or environ.get(KEY_FILE_VARIABLE) or None
    if key_file:
        key = read_key_file(key_file)
    else:
        key = environ.get(KEY_VARIABLE) or ""
    if not key:
        return UnsignedRecords()
    text.configure()
    from django.core import signing

    signer = signing.Signer(key=key, salt=RECORD_SALT, fallback_keys=[])
    signer.signed = True  # type: ignore[attr-defined]
    return signer
