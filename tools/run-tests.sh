#!/usr/bin/env bash
# `make test`: every tier in one pytest run, against a development cloud that is started
# here when it is not already running (and stopped again afterwards if this run started it);
# then, with no arguments, the unit, view and packaging tiers again on the oldest supported
# Horizon (`make test-horizon25`, docs/releases.md). Fails if either fails.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
started=0
if ! bash devcloud/cloud.sh status >/dev/null 2>&1; then
  echo "== development cloud not running: starting it (make demo)"
  if ! bash devcloud/cloud.sh up; then
    echo "== development cloud failed to start; service logs:"
    bash devcloud/cloud.sh logs || true
    bash devcloud/cloud.sh stop || true
    exit 1
  fi
  started=1
fi
$PY -m pytest "$@"
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "== tests failed (exit $rc); tail of each service log:"
  bash devcloud/cloud.sh logs || true
fi
if [ "$started" = 1 ]; then
  bash devcloud/cloud.sh stop || true
fi
if [ "$#" -eq 0 ]; then
  echo "== Horizon 25.3 (.venv-horizon25): unit, view and packaging tiers"
  started25=$(date +%s)
  make -s --no-print-directory test-horizon25
  rc25=$?
  echo "== Horizon 25.3 tiers: exit $rc25 in $(($(date +%s) - started25)) s"
  [ "$rc" -ne 0 ] || rc=$rc25
fi
exit "$rc"
