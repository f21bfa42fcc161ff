# Sourced by start.sh and test.sh: makes a fresh clone runnable on a Debian machine with Node 20.
# Idempotent: each step checks before it acts, so a second run costs a few seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

export CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export PG_ADMIN_URL="${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
export BILLING_DATABASE_URL="${BILLING_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/gateway_billing}"
export EDGE_DATABASE_URL="${EDGE_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/gateway_edge}"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

apt_install() {
  apt-get install -y -qq "$@" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$@" >/dev/null; }
}

ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version)" = "10.34.8" ]; then return; fi
  log "installing pnpm 10.34.8"
  # Node's bundled corepack cannot verify this registry's signatures (see STACK.md).
  if corepack enable pnpm >/dev/null 2>&1 &&
    COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack prepare pnpm@10.34.8 --activate >/dev/null 2>&1; then
    return
  fi
  corepack disable pnpm >/dev/null 2>&1 || true
  npm install -g pnpm@10.34.8 >/dev/null
}

ensure_redis() {
  if redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then return; fi
  log "starting Redis"
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 50); do redis-cli ping >/dev/null 2>&1 && return; sleep 0.2; done
  echo "Redis did not start" >&2; exit 1
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  log "starting PostgreSQL"
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql
  local version
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || service postgresql start
  for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
  # Local trust auth, as on this project's machines; a managed Postgres would use a password.
  psql "$PG_ADMIN_URL" -c "select 1" >/dev/null 2>&1 ||
    su postgres -c "psql -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
}

ensure_database() { # url
  local name="${1##*/}"
  name="${name%%\?*}"
  psql "$PG_ADMIN_URL" -tAc "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1 ||
    psql "$PG_ADMIN_URL" -qc "CREATE DATABASE \"$name\"" >/dev/null
}

install_dependencies() {
  log "installing dependencies"
  pnpm install --frozen-lockfile --reporter=silent
  pnpm turbo run generate --output-logs=errors-only >/dev/null
}

migrate_billing() {
  ensure_database "$BILLING_DATABASE_URL"
  log "migrating the billing database"
  (cd apps/billing && BILLING_DATABASE_URL="$BILLING_DATABASE_URL" pnpm exec prisma migrate deploy >/dev/null)
}

migrate_edge() {
  ensure_database "$EDGE_DATABASE_URL"
  log "migrating the edge database (API keys, audit log)"
  (cd apps/edge && EDGE_DATABASE_URL="$EDGE_DATABASE_URL" pnpm exec prisma migrate deploy >/dev/null)
}

bootstrap() {
  ensure_pnpm
  ensure_redis
  ensure_postgres
  install_dependencies
}
