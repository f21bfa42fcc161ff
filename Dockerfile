# One image for every service: edge, worker and billing differ only by the command they run.
#   docker build -t llm-gateway .                       (CMD runs apps/edge)
#   docker build --build-arg APP=worker -t llm-gateway-worker .
#   docker run llm-gateway node --enable-source-maps apps/billing/dist/main.js
# Billing's migrations run from the same image: `npm run migrate:deploy` in /app/apps/billing.

# Node 20.20 is the line the whole stack is pinned to (see shared STACK notes: pnpm 11, opossum 10,
# openai 7 and vitest 5 all need Node 22).
ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# corepack verifies pnpm's signature; pass --build-arg COREPACK_SKIP_VERIFY=true only when building
# against a registry mirror whose signatures corepack cannot verify. (Not an ARG named
# COREPACK_INTEGRITY_KEYS: corepack treats that variable set to "" as "skip verification".)
ARG COREPACK_SKIP_VERIFY=false
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 \
    TURBO_TELEMETRY_DISABLED=1 \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1
RUN if [ "$COREPACK_SKIP_VERIFY" = true ]; then export COREPACK_INTEGRITY_KEYS=0; fi \
 && corepack enable pnpm \
 && corepack prepare pnpm@10.34.8 --activate

# The store lives in an image layer, not a BuildKit cache mount: `install --offline` below must
# find every package even when the fetch layer is cached and a cache mount was evicted.
# `pnpm fetch` needs only the lockfile, so source edits do not re-download dependencies.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch --store-dir /pnpm/store

COPY . .
RUN pnpm install --frozen-lockfile --offline --store-dir /pnpm/store

# prisma generate (a turbo task before build) wants its DATABASE_URL variables set, never
# connected to: placeholders only for this step, so no credentials are baked into the image.
RUN DATABASE_URL=postgresql://build:build@localhost:5432/build \
    BILLING_DATABASE_URL=postgresql://build:build@localhost:5432/build \
    EDGE_DATABASE_URL=postgresql://build:build@localhost:5432/build \
    pnpm turbo run build --filter='./apps/*'

# Swap the dev dependency tree for production dependencies only. Deleting node_modules first
# avoids pnpm's "modules directory will be purged" prompt, which fails without a TTY.
# The Prisma client is generated into the billing sources and compiled into dist, so it survives.
RUN find . -name node_modules -type d -prune -exec rm -rf {} + \
 && pnpm install --frozen-lockfile --offline --prod --store-dir /pnpm/store


FROM ${NODE_IMAGE} AS runtime
ARG APP=edge
ENV NODE_ENV=production \
    APP=${APP} \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Files stay owned by root: the services only read them, so a compromised process cannot
# rewrite its own code.
COPY --from=build /app /app
# The image's built-in unprivileged user (uid 1000).
USER node
EXPOSE 8080 8082 8083
# exec replaces the shell, so node itself receives SIGTERM and runs its ordered shutdown.
CMD ["sh", "-c", "exec node --enable-source-maps apps/${APP}/dist/main.js"]
