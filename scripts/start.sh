#!/usr/bin/env bash
# One command from a fresh clone to a running gateway: installs, builds, migrates, then runs
# billing, worker and edge (and, when no real llama-server is configured, a SIMULATED one as a
# clearly labelled demo backend). Ctrl-C stops everything. Running the services is
# scripts/run-services.sh, which starts them again on a tree this script already built.
source "$(dirname "$0")/lib/bootstrap.sh"
bootstrap

log "building"
pnpm turbo run build --output-logs=errors-only
migrate_billing
migrate_edge

exec bash "$ROOT/scripts/run-services.sh"
