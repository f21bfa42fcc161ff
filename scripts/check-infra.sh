#!/usr/bin/env bash
# Validates the deployment files without a Docker engine: compose file, Prometheus config, alert
# rules (and their unit tests), Grafana dashboards and the compose gateway config.
# Prints one line per check; exits non-zero if any check failed.
set -uo pipefail
cd "$(dirname "$0")/.."

DATASOURCE_UID=gateway-prometheus
failures=0
log=$(mktemp)
tmpdir=$(mktemp -d)
trap 'rm -rf "$log" "$tmpdir"' EXIT

# check NAME CMD...: runs CMD quietly, prints its output only when it fails.
check() {
  local name=$1
  shift
  if "$@" >"$log" 2>&1; then
    echo "ok   $name"
  else
    echo "FAIL $name"
    sed 's/^/     /' "$log"
    failures=$((failures + 1))
  fi
}

# Debian's docker-compose 1.29 is the only compose that validates without an engine; promtool
# comes with Debian's prometheus package. The package index is refreshed only when needed.
ensure_tools() {
  command -v docker-compose >/dev/null && command -v promtool >/dev/null && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "docker-compose and promtool are missing; run as root to install them" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq docker-compose prometheus >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq docker-compose prometheus >/dev/null 2>&1; }
}

check "tools: docker-compose and promtool installed" ensure_tools

check "compose: docker-compose.yml is valid" docker-compose -f docker-compose.yml config -q
check "prometheus: prometheus.yml is valid" promtool check config infra/prometheus/prometheus.yml
check "prometheus: alerts.yml is valid" promtool check rules infra/prometheus/alerts.yml
check "prometheus: alert rule unit tests pass" promtool test rules infra/prometheus/tests/*.yml

# An alert without a unit test has never been seen to fire (or to stay quiet).
alerts_tested() {
  local missing=0 alert
  for alert in $(grep -oP '^\s*- alert:\s*\K\S+' infra/prometheus/alerts.yml); do
    grep -qE "alertname:\s*${alert}\s*$" infra/prometheus/tests/*.yml || { echo "no promtool test for $alert"; missing=1; }
  done
  return "$missing"
}
check "prometheus: every alert has a unit test" alerts_tested

# Every dashboard must parse, reference Prometheus only by the provisioned uid (a dashboard
# exported with ${DS_...} or another uid shows "datasource not found"), and have a unique uid.
# Its PromQL is written out as recording rules so promtool parses every expression.
check_dashboards() {
  node - "$DATASOURCE_UID" "$tmpdir/dashboard-exprs.yml" infra/grafana/dashboards/*.json <<'EOF'
const fs = require("node:fs");
const [uid, rulesOut, ...files] = process.argv.slice(2);
if (files.length === 0) throw new Error("no dashboards in infra/grafana/dashboards");
const problems = [];
const exprs = [];
const uids = new Map();
for (const file of files) {
  let dash;
  try {
    dash = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    problems.push(`${file}: not valid JSON: ${err.message}`);
    continue;
  }
  if (!dash.uid) problems.push(`${file}: no dashboard uid`);
  else if (uids.has(dash.uid)) problems.push(`${file}: uid ${dash.uid} also used by ${uids.get(dash.uid)}`);
  else uids.set(dash.uid, file);
  if (typeof dash.schemaVersion !== "number") problems.push(`${file}: no schemaVersion`);
  const visit = (node, path) => {
    if (Array.isArray(node)) return node.forEach((v, i) => visit(v, `${path}[${i}]`));
    if (!node || typeof node !== "object") return;
    if ("datasource" in node) {
      const ds = node.datasource;
      const builtIn = ds && typeof ds === "object" && ds.type === "grafana";
      if (!builtIn && !(ds && typeof ds === "object" && ds.uid === uid)) {
        problems.push(`${file}: ${path}.datasource is ${JSON.stringify(ds)}, expected uid ${uid}`);
      }
    }
    if (typeof node.expr === "string" && node.expr.trim()) exprs.push(node.expr);
    for (const [k, v] of Object.entries(node)) visit(v, `${path}.${k}`);
  };
  visit(dash, "$");
}
if (exprs.length === 0) problems.push("no PromQL expressions found in any dashboard");
// Grafana's interval variables are not PromQL; substitute a fixed window to parse the rest.
const promql = (e) => e.replace(/\$__(rate_)?interval|\$__range/g, "1m");
const rules = exprs.map((e, i) => `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(promql(e))}`);
fs.writeFileSync(rulesOut, `groups:\n  - name: dashboards\n    rules:\n${rules.join("\n")}\n`);
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
EOF
}
check "grafana: dashboards parse and use datasource uid $DATASOURCE_UID" check_dashboards
check "grafana: dashboard PromQL parses" promtool check rules "$tmpdir/dashboard-exprs.yml"
check "grafana: provisioned datasource has uid $DATASOURCE_UID" \
  grep -Eq "^[[:space:]]*uid:[[:space:]]*$DATASOURCE_UID[[:space:]]*$" infra/grafana/provisioning/datasources/prometheus.yml

# The compose config must pass the apps' own schema; that needs the workspace installed.
tsx=packages/config/node_modules/.bin/tsx
if [ -x "$tsx" ]; then
  check "config: infra/gateway.compose.json is a valid GatewayConfig" \
    bash -c 'cd packages/config && node_modules/.bin/tsx --conditions=development -e '\''
      import { loadGatewayConfig } from "./src/index.ts";
      loadGatewayConfig({ GATEWAY_CONFIG_FILE: process.argv[1] });'\'' "$1"' _ "$PWD/infra/gateway.compose.json"
else
  echo "skip config: infra/gateway.compose.json schema check (run pnpm install first)"
fi

if [ "$failures" -gt 0 ]; then
  echo "check-infra: $failures check(s) failed"
  exit 1
fi
echo "check-infra: all checks passed"
