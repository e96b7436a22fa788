# syntax=docker/dockerfile:1
# check=error=true
# The training base image: Python slim with a training framework from a requirements file, git for
# `berth train`'s code checkout, and Node 20 + Berth (CPU ONNX Runtime) to verify and publish.
#
#   docker build -f deploy/docker/train-python.Dockerfile -t berth-train:0.1.0 .
#   docker build -f deploy/docker/train-python.Dockerfile \
#     --build-arg REQUIREMENTS=deploy/docker/requirements/train-torch-cpu.txt -t berth-train:0.1.0-torch .
ARG NODE_IMAGE=node:20-slim
ARG PYTHON_IMAGE=python:3.12-slim

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

FROM ${NODE_IMAGE} AS deps
WORKDIR /opt/berth
COPY package.json package-lock.json .npmrc ./
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/onnxruntime-node/bin/napi-v6/darwin node_modules/onnxruntime-node/bin/napi-v6/win32 \
    node_modules/onnxruntime-node/bin/napi-v6/linux/arm64 \
  && npm cache clean --force

FROM ${PYTHON_IMAGE}
# A path inside the build context; the default trains scikit-learn models and exports ONNX.
ARG REQUIREMENTS=deploy/docker/requirements/train-sklearn.txt
ENV HOME=/tmp \
  PIP_NO_CACHE_DIR=1 \
  PYTHONDONTWRITEBYTECODE=1 \
  PYTHONUNBUFFERED=1
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates \
  && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 berth \
  && useradd --system --uid 10001 --gid berth --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin berth
COPY ${REQUIREMENTS} /opt/berth/requirements.txt
RUN pip install --no-cache-dir -r /opt/berth/requirements.txt
WORKDIR /opt/berth
COPY --from=deps /usr/local/bin/node /usr/local/bin/node
COPY --from=deps /opt/berth/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/bin ./bin
COPY package.json ./
RUN ln -s /opt/berth/bin/berth.js /usr/local/bin/berth
USER 10001:10001
ENTRYPOINT ["berth"]
CMD ["train", "--help"]
