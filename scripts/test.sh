#!/usr/bin/env bash
# Runs every check CI runs: typecheck, lint, infra validation, unit, component and end-to-end
# tests on real Redis and Postgres (started here if they are down). Ends with "N passed, N failed".
source "$(dirname "$0")/lib/bootstrap.sh"
bootstrap

log "format, typecheck and lint"
pnpm exec prettier --check . --log-level warn
pnpm turbo run typecheck lint --output-logs=errors-only

log "validating infra (compose, Prometheus rules, dashboards)"
bash scripts/check-infra.sh

log "tests"
find . -name .vitest-report.json -not -path "*/node_modules/*" -delete
status=0
# One package at a time: the end-to-end tests start real processes and time-sensitive
# component tests share this 2-core machine.
pnpm turbo run test --concurrency=1 --continue || status=$?
node scripts/lib/summarize-tests.mjs || status=1
exit "$status"
