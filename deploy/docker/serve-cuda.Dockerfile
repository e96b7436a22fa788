# syntax=docker/dockerfile:1
# check=error=true
# The Berth serving image for NVIDIA GPUs: CUDA 12 + cuDNN 9 runtime (what ONNX Runtime 1.30's CUDA
# execution provider links against), Node 20 copied from the official image, and onnxruntime-node
# with its CUDA provider libraries, which its install script downloads at build time (NuGet).
# Not built or run on a GPU by this project's CI: see docs/kubernetes.md.
#
#   docker build -f deploy/docker/serve-cuda.Dockerfile -t berth:0.1.0-cuda .
ARG NODE_IMAGE=node:20-slim
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

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

# cuda12 makes the install script fetch libonnxruntime_providers_{cuda,shared,tensorrt}.so.
FROM ${NODE_IMAGE} AS deps
WORKDIR /opt/berth
COPY package.json package-lock.json .npmrc ./
RUN ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci --omit=dev --no-audit --no-fund \
  && test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so \
  && rm -rf node_modules/onnxruntime-node/bin/napi-v6/darwin node_modules/onnxruntime-node/bin/napi-v6/win32 \
    node_modules/onnxruntime-node/bin/napi-v6/linux/arm64 \
  && npm cache clean --force

FROM ${CUDA_IMAGE}
ENV NODE_ENV=production \
  HOME=/tmp \
  NVIDIA_VISIBLE_DEVICES=all \
  NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /opt/berth
RUN groupadd --system --gid 10001 berth \
  && useradd --system --uid 10001 --gid berth --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin berth
COPY --from=deps /usr/local/bin/node /usr/local/bin/node
COPY --from=deps /opt/berth/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/bin ./bin
COPY package.json ./
RUN ln -s /opt/berth/bin/berth.js /usr/local/bin/berth
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["berth"]
CMD ["serve", "--help"]
