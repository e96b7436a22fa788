/** Open Inference Protocol v2 REST routes (inference_rest.md): translation only. */
import type { FastifyInstance } from 'fastify';
import type { DataPlane } from '../../dataplane/data-plane.js';
import {
  decodeInferRequest,
  encodeInferResponse,
  encodeModelMetadata,
  encodeServerMetadata,
} from '../../protocol/v2/json-codec.js';
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

export function registerV2Routes(app: FastifyInstance, dataPlane: DataPlane): void {
  app.get('/v2', async () => encodeServerMetadata(dataPlane.serverMetadata()));

  app.get('/v2/health/live', async () => ({ live: dataPlane.live() }));

  // Kubernetes probes read the status, the spec's clients read the body: give both.
  app.get('/v2/health/ready', async (_request, reply) => {
    const ready = dataPlane.ready();
    return reply.code(ready ? 200 : 503).send({ ready });
  });

  for (const prefix of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
    app.get<{ Params: ModelParams }>(prefix, async (request) =>
      encodeModelMetadata(dataPlane.modelMetadata(request.params.model, request.params.version)),
    );

    app.get<{ Params: ModelParams }>(`${prefix}/ready`, async (request, reply) => {
      const ready = dataPlane.modelReady(request.params.model, request.params.version);
      return reply.code(ready ? 200 : 503).send({ name: request.params.model, ready });
    });

    app.post<{ Params: ModelParams }>(`${prefix}/infer`, async (request, reply) => {
      // A Buffer body is the binary tensor extension (app.ts keeps it as bytes); anything else is JSON.
      const inferRequest = Buffer.isBuffer(request.body)
        ? decodeBinaryInferRequest(request.body, request.headers[INFERENCE_HEADER])
        : decodeInferRequest(request.body);
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

  // Model repository extension: what is configured here and in which state.
  app.post('/v2/repository/index', async () => dataPlane.repositoryIndex());
}
