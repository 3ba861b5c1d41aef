# Svyazka server image: one image for every role (SVYAZKA_ROLE=all | web | worker).
# Not built or run on the development machines (no Docker engine there); see docs/scaling.md.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` builds the web UI, so the sources it needs come first.
COPY web ./web
COPY src ./src
COPY bin ./bin
COPY tsconfig.json ./
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 SVYAZKA_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/web/dist ./web/dist
COPY package.json ./
COPY src ./src
COPY bin ./bin
COPY examples ./examples
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
# One malloc arena besides the main one: less RSS at the same throughput (bin/svyazka.js says why).
ENV MALLOC_ARENA_MAX=2
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=16", "--heap-growing-percent=50", "--no-allocation-site-pretenuring", "--expose-gc", "--no-wasm-loop-unrolling", "bin/svyazka.js", "serve"]
