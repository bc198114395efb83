# One image for the five services, the gateway and the migration steps; a container picks its
# program by command (docker-compose.yml, deploy/k8s), e.g. `node services/queue/dist/src/main.js`.
# Node 24, the active LTS (supported until April 2028): the same release as the `node` dev
# dependency that npm start, npm test and CI run on (deploy/test/dockerfile.unit.test.ts).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# What compiling Confluent's Kafka client (librdkafka) needs (tools/infra/kafka-javascript.mjs,
# DEBIAN_BUILD_PACKAGES; ADR 0036): the install's postinstall compiles it once, here.
RUN apt-get update && apt-get install -y --no-install-recommends \
  build-essential python3 pkg-config libssl-dev zlib1g-dev libzstd-dev liblz4-dev \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY libs libs
COPY services services
COPY gateway gateway
COPY tools tools
COPY bench bench
COPY apps apps
# `npm ci` refuses this lock file: npm 10/11 leave @swc/core's other-platform optional
# packages out of it (npm/cli#4828); `npm install` installs the locked versions all the same.
RUN npm install --no-audit --no-fund && npx tsc -b libs/platform libs/messaging libs/contracts libs/queue-pass libs/auth libs/telemetry services/queue services/concert services/reservation services/wallet services/payment gateway tools/oidc-provider \
  && node tools/infra/copy-lua.mjs && npm run -s build --workspace apps/fan

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# What librdkafka loads besides what the image has (zlib, zstd, lz4 are in Debian's base).
RUN apt-get update && apt-get install -y --no-install-recommends libssl3 \
  && rm -rf /var/lib/apt/lists/*
# Production dependencies only, from the same lock file.
COPY package.json package-lock.json ./
COPY --from=build /app/libs/platform/package.json libs/platform/
COPY --from=build /app/libs/messaging/package.json libs/messaging/
COPY --from=build /app/libs/contracts/package.json libs/contracts/
COPY --from=build /app/libs/queue-pass/package.json libs/queue-pass/
COPY --from=build /app/libs/auth/package.json libs/auth/
COPY --from=build /app/libs/telemetry/package.json libs/telemetry/
COPY --from=build /app/tools/testing/package.json tools/testing/
COPY --from=build /app/services/queue/package.json services/queue/
COPY --from=build /app/services/concert/package.json services/concert/
COPY --from=build /app/services/reservation/package.json services/reservation/
COPY --from=build /app/services/wallet/package.json services/wallet/
COPY --from=build /app/services/payment/package.json services/payment/
COPY --from=build /app/gateway/package.json gateway/
COPY --from=build /app/tools/infra/package.json tools/infra/
COPY --from=build /app/tools/runner/package.json tools/runner/
COPY --from=build /app/tools/oidc-provider/package.json tools/oidc-provider/
COPY --from=build /app/bench/package.json bench/
COPY --from=build /app/apps/fan/package.json apps/fan/
# The root's postinstall (native add-ons compiled for this image's Node), run after the install
# whether npm ran it or not; Confluent's client's binding comes from the build stage's cache, so
# nothing is compiled here.
COPY --from=build /app/tools/infra/native-addons.mjs /app/tools/infra/kafka-javascript.mjs tools/infra/
COPY --from=build /root/.cache/ticketing/kafka-javascript /tmp/binding-cache/kafka-javascript
RUN export KAFKA_JAVASCRIPT_CACHE=/tmp/binding-cache KAFKA_JAVASCRIPT_NO_COMPILE=1 \
  && npm install --omit=dev --no-audit --no-fund \
  --workspace libs/platform --workspace libs/messaging --workspace libs/contracts \
  --workspace libs/queue-pass --workspace libs/auth --workspace libs/telemetry --workspace services/queue --workspace services/concert \
  --workspace services/reservation --workspace services/wallet --workspace services/payment \
  --workspace gateway --workspace tools/oidc-provider \
  && node tools/infra/native-addons.mjs \
  && rm -rf /tmp/binding-cache && npm cache clean --force
COPY --from=build /app/libs/platform/dist libs/platform/dist
COPY --from=build /app/libs/messaging/dist libs/messaging/dist
COPY --from=build /app/libs/contracts/dist libs/contracts/dist
# The events' AsyncAPI document, which the gateway serves at /docs/events, and the public API's
# OpenAPI document, which it serves at /docs/openapi.json.
COPY --from=build /app/libs/contracts/asyncapi.json libs/contracts/openapi.json libs/contracts/
COPY --from=build /app/libs/queue-pass/dist libs/queue-pass/dist
COPY --from=build /app/libs/auth/dist libs/auth/dist
COPY --from=build /app/libs/telemetry/dist libs/telemetry/dist
COPY --from=build /app/services/queue/dist services/queue/dist
COPY --from=build /app/services/concert/dist services/concert/dist
COPY --from=build /app/services/reservation/dist services/reservation/dist
COPY --from=build /app/services/wallet/dist services/wallet/dist
COPY --from=build /app/services/payment/dist services/payment/dist
COPY --from=build /app/gateway/dist gateway/dist
# The reference fan app (apps/fan), static files the gateway serves at / (ADR 0026).
COPY --from=build /app/apps/fan/dist apps/fan/dist
# The dead-letter command (docs/operations.md, Dead letters): what it imports is installed above.
COPY --from=build /app/tools/infra/dist/dlt.js /app/tools/infra/dist/dlt-args.js tools/infra/dist/
# The development OpenID provider (compose, the dev overlay); production uses the platform's.
COPY --from=build /app/tools/oidc-provider/dist tools/oidc-provider/dist
# Non-root, and nothing under /app writable: the root filesystem can be mounted read-only.
USER node
ENV PORT=3000 LOG_FORMAT=json
EXPOSE 3000
# The services answer /health/live on PORT, the gateway on GATEWAY_PORT.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.GATEWAY_PORT||process.env.PORT}/health/live`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "services/queue/dist/src/main.js"]
