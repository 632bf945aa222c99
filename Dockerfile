# syntax=docker/dockerfile:1
# The app in a container, for any container host (docs/deploy.md, "Container").
#   docker build -t recording-archiver .
#   docker run -e ROLE=web -e … -p 8080:8080 recording-archiver      # HTTP: console, bot, webhooks
#   docker run -e ROLE=worker -e …            recording-archiver      # jobs and schedulers
# ROLE is chosen at run time (web | worker | all, the default); more than one container needs MONGODB_URI.
# The production settings (SECRET_KEYS, TEAMS_APP_CLIENT_ID, …) come from the environment: README.md,
# Configuration. Nothing secret is in the image; .dockerignore keeps the build context to the sources.

# ---- build: TypeScript and the tab into dist/, then only production dependencies ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles its native module when no prebuilt one fits
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY types/ types/
COPY api/ api/
COPY bot/ bot/
COPY sandbox/ sandbox/
COPY bench/ bench/
COPY tab/ tab/
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: Node 24 LTS, non-root, the built app (dist/tab inside) and production node_modules ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    ARCHIVER_MODE=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
# Owned by root and read-only to the app; only DATA_DIR (SQLite on one container) is writable.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/api ./dist/api
COPY --from=build /app/dist/bot ./dist/bot
COPY --from=build /app/dist/tab ./dist/tab
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
# Liveness: the process answers. Readiness (the store answers) is GET /healthz, for the orchestrator's probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# As `npm run serve` starts it (package.json), without npm in between, so SIGTERM reaches the app.
CMD ["node", "--disable-warning=DEP0111", "--max-semi-space-size=1", "--max-old-space-size=160", "dist/api/src/main.js"]
