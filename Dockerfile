# One image for every Judgify process; SERVICE picks the entry (gateway, subgraphs/workflow, ...).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production

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
# `npm install`, not `npm ci`: see .ci/run on the lockfile's platform packages.
RUN npm install --omit=dev --no-audit --no-fund

COPY . .
ARG SERVICE
ENV SERVICE=${SERVICE}
USER node
CMD ["sh", "-c", "exec node --import tsx ${SERVICE}/src/server.ts"]
