/** Open Inference Protocol v2 REST routes (inference_rest.md): translation only. */
import type { FastifyInstance } from 'fastify';
import type { DataPlane } from '../../dataplane/data-plane.js';
import {
  decodeInferRequest,
  decodeInferRequestText,
  encodeInferResponse,
  encodeModelMetadata,
  encodeServerMetadata,
} from '../../protocol/v2/json-codec.js';
import { encodeModelConfig } from '../../protocol/v2/config-json.js';
import {
  decodeRepositoryIndexRequest,
  decodeRepositoryModelRequest,
} from '../../protocol/v2/repository-json.js';
import { encodeModelStatistics } from '../../protocol/v2/statistics-json.js';
import {
  decodeBinaryInferRequest,
  encodeBinaryInferResponse,
  INFERENCE_HEADER,
  selectBinaryOutputs,
} from '../../protocol/v2/binary-message.js';
import { disconnectSignal } from './disconnect-signal.js';

interface ModelParams {
  model: string;
  version?: string;
}

const RAW_JSON = { rawJsonBody: true } as const;

export function registerV2Routes(app: FastifyInstance, dataPlane: DataPlane): void {
  app.get('/v2', async () => encodeServerMetadata(dataPlane.serverMetadata()));

  app.get('/v2/health/live', async () => ({ live: dataPlane.live() }));

  // Kubernetes probes read the status, the spec's clients read the body: give both.
  app.get('/v2/health/ready', async (_request, reply) => {
    const ready = dataPlane.ready();
    return reply.code(ready ? 200 : 503).send({ ready });
  });

  // Statistics extension (Triton): every READY version of every model. A static segment wins over
  // `:model`, so a model named "stats" has its metadata at /v2/models/stats/versions/{v} only.
  app.get('/v2/models/stats', async () => encodeModelStatistics(dataPlane.modelStatistics()));

  for (const prefix of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
    app.get<{ Params: ModelParams }>(`${prefix}/stats`, async (request) =>
      encodeModelStatistics(dataPlane.modelStatistics(request.params.model, request.params.version)),
    );

    // Model configuration extension (Triton): the effective configuration of the READY version.
    app.get<{ Params: ModelParams }>(`${prefix}/config`, async (request) =>
      encodeModelConfig(dataPlane.modelConfig(request.params.model, request.params.version)),
    );

    app.get<{ Params: ModelParams }>(prefix, async (request) =>
      encodeModelMetadata(dataPlane.modelMetadata(request.params.model, request.params.version)),
    );

    app.get<{ Params: ModelParams }>(`${prefix}/ready`, async (request, reply) => {
      const ready = dataPlane.modelReady(request.params.model, request.params.version);
      return reply.code(ready ? 200 : 503).send({ name: request.params.model, ready });
    });

    // A Buffer body is the binary tensor extension (app.ts keeps it as bytes); a string is the JSON
    // text (rawJsonBody), which the codec scans; no body at all is undefined.
    app.post<{ Params: ModelParams }>(`${prefix}/infer`, { config: RAW_JSON }, async (request, reply) => {
      const body = request.body;
      const inferRequest = Buffer.isBuffer(body)
        ? decodeBinaryInferRequest(body, request.headers[INFERENCE_HEADER])
        : typeof body === 'string'
          ? decodeInferRequestText(body)
          : decodeInferRequest(body);
      const binary = selectBinaryOutputs(inferRequest);
      const response = await dataPlane.infer(
        request.params.model,
        request.params.version,
        inferRequest,
        'v2',
        disconnectSignal(reply),
      );
      if (binary === undefined) return reply.type('application/json').send(encodeInferResponse(response));
      const encoded = encodeBinaryInferResponse(response, binary);
      return reply
        .header(INFERENCE_HEADER, encoded.headerLength)
        .type('application/octet-stream')
        .send(encoded.body);
    });
  }

  // Model repository extension (Triton): what is configured here and in which state; load, unload.
  app.post('/v2/repository/index', async (request) => {
    const { readyOnly } = decodeRepositoryIndexRequest(request.body);
    return dataPlane.repositoryCatalog(readyOnly ? { ready: true } : {});
  });

  app.post<{ Params: { model: string } }>('/v2/repository/models/:model/load', async (request) => {
    decodeRepositoryModelRequest(request.body);
    await dataPlane.loadModel(request.params.model);
    return {};
  });

  app.post<{ Params: { model: string } }>('/v2/repository/models/:model/unload', async (request) => {
    decodeRepositoryModelRequest(request.body);
    await dataPlane.unloadModel(request.params.model);
    return {};
  });
}
