# One image for every Judgify process; SERVICE picks the entry (gateway, subgraphs/workflow, ...).

# Every workspace's manifest, so installs are cached until a dependency changes.
FROM node:20-bookworm-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/runtime/package.json packages/runtime/
COPY packages/workflow-definition/package.json packages/workflow-definition/
COPY packages/rule-language/package.json packages/rule-language/
COPY gateway/package.json gateway/
COPY subgraphs/workflow/package.json subgraphs/workflow/
COPY subgraphs/judgment/package.json subgraphs/judgment/
COPY subgraphs/learning/package.json subgraphs/learning/
COPY subgraphs/bi/package.json subgraphs/bi/
COPY subgraphs/chat/package.json subgraphs/chat/
COPY console/package.json console/

# The web console, built with its dev dependencies (Vite); only its dist/ goes on.
FROM manifests AS console
RUN npm install --no-audit --no-fund
COPY console console
RUN npm run build -w @judgify/console

FROM manifests
ENV NODE_ENV=production
# `npm install`, not `npm ci`: see .ci/run on the lockfile's platform packages.
RUN npm install --omit=dev --no-audit --no-fund

COPY . .
COPY --from=console /app/console/dist console/dist
ARG SERVICE
ENV SERVICE=${SERVICE}
# Reported by /health (`docker build --build-arg JUDGIFY_VERSION=$(git describe --always)`); empty means the package's version.
ARG JUDGIFY_VERSION=
ENV JUDGIFY_VERSION=${JUDGIFY_VERSION}
USER node
CMD ["sh", "-c", "exec node --import tsx ${SERVICE}/src/server.ts"]
