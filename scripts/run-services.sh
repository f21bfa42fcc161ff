#!/usr/bin/env bash
# start.sh's last step, on its own: runs billing, worker and edge from an installed, built and
# migrated tree (and, when no real llama-server is configured, a SIMULATED one as a clearly
# labelled demo backend), each one's output prefixed with its name. Ctrl-C stops everything.
# Ports, URLs, databases and the queue prefix all come from the environment (defaults below and
# in lib/bootstrap.sh), so that e2e/test/quick-start-stop.test.ts can run it beside other tests.
source "$(dirname "$0")/lib/bootstrap.sh"

RUN_DIR="${GATEWAY_RUN_DIR:-$ROOT/.data/run}"
mkdir -p "$RUN_DIR"
export QUEUE_PREFIX="${QUEUE_PREFIX:-gw}"
export BILLING_INTERNAL_TOKEN="${BILLING_INTERNAL_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export EDGE_PORT="${EDGE_PORT:-8080}"
BILLING_PORT="${BILLING_PORT:-8082}"
WORKER_PORT="${WORKER_PORT:-8083}"
export BILLING_URL="${BILLING_URL:-http://127.0.0.1:$BILLING_PORT}"
export ADMIN_API_KEY="${ADMIN_API_KEY:-sk-admin-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
# Tenants' webhook signing secrets are derived from it: a random one per run unless set, so set it
# to keep them across restarts.
export WEBHOOK_MASTER_KEY="${WEBHOOK_MASTER_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
# Past every service's own bound (edge: SHUTDOWN_GRACE_MS + 5 s, worker: SHUTDOWN_TIMEOUT_MS + 5 s,
# billing: 30 s), a service that is still running is stuck, not draining: it is killed.
STOP_TIMEOUT_S="${STOP_TIMEOUT_S:-40}"

pids=()
names=()
any_alive() {
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}
# A terminal's Ctrl-C signals the services too (one process group, so that nothing outlives a
# signal to the group): they get SIGINT from it and SIGTERM from here. Worker and billing take the
# second, different signal as part of the same stop; the edge (close-with-grace) ends at once.
stop_all() {
  trap - INT TERM EXIT
  [ "${#pids[@]}" -gt 0 ] || return 0
  log "stopping"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT_S)) i
  while any_alive && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "${names[$i]} did not stop within ${STOP_TIMEOUT_S}s: killing it" >&2
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
  wait "${pids[@]}" 2>/dev/null || true
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

run() { # name command...
  local name="$1"; shift
  "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=("$!")
  names+=("$name")
}

if [ -z "${GATEWAY_CONFIG_FILE:-}" ] && [ -z "${LLAMA_SERVER_URLS:-}" ]; then
  SIM_PORT="${SIM_PORT:-8090}"
  echo
  echo "  *** DEMO BACKEND: no LLAMA_SERVER_URLS or GATEWAY_CONFIG_FILE given, so a SIMULATED"
  echo "  *** llama-server (deterministic TinyStories-like text) runs on :$SIM_PORT. Point the"
  echo "  *** gateway at real llama-server instances with LLAMA_SERVER_URLS=http://host:port,..."
  echo
  # --reranking: one simulated server serves the demo model's chat (tools, JSON modes, legacy completions), embeddings and rerank.
  run llama-sim node packages/test-kit/dist/llama-sim/main.js --port "$SIM_PORT" --slots 4 --inter-token-ms 5 --reranking
  # Demo prices, so that usage rows show costs.
  export GATEWAY_CONFIG_FILE="$RUN_DIR/demo-gateway.json"
  SIM_URL="http://127.0.0.1:$SIM_PORT"
  cat >"$GATEWAY_CONFIG_FILE" <<JSON
{ "models": [ { "id": "stories260k-demo", "backends": ["$SIM_URL"], "embedding_backends": ["$SIM_URL"], "rerank_backends": ["$SIM_URL"],
                "embedding_dimensions": [16, 32], "max_output_tokens": 512,
                "price": { "prompt_per_1k": "0.0005", "completion_per_1k": "0.0015" } } ] }
JSON
fi

# Keys live in the edge's database. Keys from the old GATEWAY_API_KEYS setting are moved there
# once (the edge refuses to start with the variable set); otherwise a demo key is made, through the
# same key store the admin API and `pnpm gateway keys` use, and shown once below.
gateway_cli() { node --enable-source-maps apps/edge/dist/cli/main.js "$@"; }
if [ -n "${GATEWAY_API_KEYS:-}" ]; then
  log "importing GATEWAY_API_KEYS into the key store"
  gateway_cli keys import || { echo "importing GATEWAY_API_KEYS failed (already imported? then unset it)" >&2; exit 1; }
  unset GATEWAY_API_KEYS
else
  DEMO_KEY="$(gateway_cli keys create --tenant demo-tenant --tier free --name quickstart --json | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>console.log(JSON.parse(s).secret))')"
fi

run billing env PORT="$BILLING_PORT" node --enable-source-maps apps/billing/dist/main.js
run worker env PORT="$WORKER_PORT" node --enable-source-maps apps/worker/dist/main.js
run edge env PORT="$EDGE_PORT" node --enable-source-maps apps/edge/dist/main.js

for _ in $(seq 150); do
  curl -fs "http://127.0.0.1:$EDGE_PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
if ! curl -fs "http://127.0.0.1:$EDGE_PORT/readyz" >/dev/null; then
  echo "the gateway did not become ready; see the logs above" >&2
  exit 1
fi
if [ -n "${GATEWAY_CONFIG_FILE:-}" ]; then
  MODEL_ID="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.env.GATEWAY_CONFIG_FILE)).models[0].id)')"
else
  MODEL_ID="${GATEWAY_MODEL:-default}"
fi
cat <<MSG

  Gateway ready:  http://127.0.0.1:$EDGE_PORT/v1   (metrics: /metrics, health: /healthz /readyz)
  ${DEMO_KEY:+Demo API key:   $DEMO_KEY   (tier free: 10 requests/min, 10,000 tokens/day)}
  Admin key:      $ADMIN_API_KEY   (for /v1/admin/keys; or: pnpm gateway keys --help)

  curl http://127.0.0.1:$EDGE_PORT/v1/chat/completions \\
    -H "Authorization: Bearer ${DEMO_KEY:-<your key>}" -H "Content-Type: application/json" \\
    -d '{"model":"$MODEL_ID","messages":[{"role":"user","content":"Once upon a time"}],"stream":true}'

  The README shows one call each for tools, JSON output, /v1/completions, /v1/embeddings and /v1/rerank.

  Ctrl-C stops everything.
MSG
wait -n "${pids[@]}"
