"""Shared test set-up: every tier writes only inside the checkout's .tmp (or $TMPDIR)."""

import os
import pathlib

CHECKOUT = pathlib.Path(__file__).resolve().parent.parent

# Horizon's test settings write /tmp/.secret_key_store and /tmp/CACHE unless TMPDIR says
# otherwise; the Makefile sets it, and this keeps a bare `pytest` run inside the checkout too.
if not os.environ.get("TMPDIR"):
    os.environ["TMPDIR"] = str(CHECKOUT / ".tmp")
pathlib.Path(os.environ["TMPDIR"]).mkdir(parents=True, exist_ok=True)
