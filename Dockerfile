# syntax=docker/dockerfile:1
# Rose: one image serving the API and the built front end. Build stage compiles TypeScript and the
# React app (native addons such as better-sqlite3 compile here); the runtime stage is slim, runs the
# service as the unprivileged `node` user, and ships espeak-ng so Rose can speak offline.

FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY frontend ./frontend
RUN npm run build && npm run build:frontend
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng tini ca-certificates && rm -rf /var/lib/apt/lists/*
# TRUST_PROXY=1: Railway puts exactly one proxy in front, so req.ip (the per-IP rate limit key) is the
# address that proxy saw. Behind more proxies, or none, override it (see README, Configuration).
ENV NODE_ENV=production \
    ENVIRONMENT=production \
    PORT=8080 \
    DATA_DIR=/data \
    TRUST_PROXY=1
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/frontend/dist ./frontend/dist
COPY --chown=node:node characters ./characters
COPY --chmod=0755 scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN mkdir -p /data && chown node:node /data
# No VOLUME (Railway refuses it; its volumes are attached to the service) and no USER: the container
# starts as root so the entrypoint can give a root-owned volume at DATA_DIR to `node`, then drops to it.
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/api/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# tini forwards SIGTERM so the graceful shutdown (finish in-flight turns, close databases) runs.
ENTRYPOINT ["tini", "--", "/usr/local/bin/docker-entrypoint.sh"]
CMD ["node", "dist/main.js"]
