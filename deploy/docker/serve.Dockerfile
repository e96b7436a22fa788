# syntax=docker/dockerfile:1
# check=error=true
# The Berth serving image: Node 20 slim, ONNX Runtime CPU (the build that ships inside the
# onnxruntime-node package), non-root, no model inside (`berth serve` pulls it at start).
#
#   docker build -f deploy/docker/serve.Dockerfile -t berth:0.1.0 .
ARG NODE_IMAGE=node:20-slim

# Compile TypeScript with every dependency.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY scripts ./scripts
COPY test ./test
COPY bench ./bench
RUN npx tsc -p tsconfig.json && node scripts/copy-assets.mjs

# Production dependencies only, without the other platforms' ONNX Runtime binaries (~200 MB).
FROM ${NODE_IMAGE} AS deps
WORKDIR /opt/berth
COPY package.json package-lock.json .npmrc ./
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/onnxruntime-node/bin/napi-v6/darwin node_modules/onnxruntime-node/bin/napi-v6/win32 \
    node_modules/onnxruntime-node/bin/napi-v6/linux/arm64 \
  && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
  HOME=/tmp
WORKDIR /opt/berth
# The uid/gid the Kubernetes manifests run as (runAsUser 10001); it owns nothing in the image.
RUN groupadd --system --gid 10001 berth \
  && useradd --system --uid 10001 --gid berth --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin berth
COPY --from=deps /opt/berth/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/bin ./bin
COPY package.json ./
RUN ln -s /opt/berth/bin/berth.js /usr/local/bin/berth
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["berth"]
CMD ["serve", "--help"]
