/** TensorFlow Serving REST routes (`/v1/models/...`) over the same data plane. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BerthError } from '../../core/errors.js';
import type { DataPlane } from '../../dataplane/data-plane.js';
import { decodePredictRequest, encodePredictResponse } from '../../protocol/tfserving/predict-codec.js';
import { encodeModelStatus, encodeTfMetadata } from '../../protocol/tfserving/status-codec.js';
import { disconnectSignal } from './disconnect-signal.js';

interface ModelParams {
  model: string;
  version?: string;
}

/** TF Serving puts the verb after a colon in the last segment: `/v1/models/m:predict`. */
const VERB = /^(?<name>[^:]+):(?<verb>predict|classify|regress)$/;

export function registerTfServingRoutes(app: FastifyInstance, dataPlane: DataPlane): void {
  const predict = async (request: FastifyRequest, reply: FastifyReply, segment: string, version?: string) => {
    const match = VERB.exec(segment);
    if (!match?.groups) {
      throw new BerthError(
        'ROUTE_NOT_FOUND',
        `no endpoint POST ${request.url} (expected /v1/models/<name>:predict)`,
      );
    }
    if (match.groups.verb !== 'predict') {
      throw new BerthError('ROUTE_NOT_FOUND', `":${match.groups.verb}" is not supported; use ":predict"`);
    }
    const name = match.groups.name!;
    const metadata = dataPlane.modelMetadata(name, version);
    const { request: inferRequest, format } = decodePredictRequest(request.body, metadata.inputs);
    const response = await dataPlane.infer(name, version, inferRequest, 'tfserving', disconnectSignal(reply));
    return reply.send(encodePredictResponse(response, format));
  };

  app.post<{ Params: { segment: string } }>('/v1/models/:segment', (request, reply) =>
    predict(request, reply, request.params.segment),
  );
  app.post<{ Params: { model: string; segment: string } }>(
    '/v1/models/:model/versions/:segment',
    (request, reply) => {
      const [version, verb] = request.params.segment.split(':');
      return predict(request, reply, `${request.params.model}:${verb ?? ''}`, version);
    },
  );

  for (const prefix of ['/v1/models/:model', '/v1/models/:model/versions/:version']) {
    app.get<{ Params: ModelParams }>(prefix, async (request) => {
      const all = dataPlane.modelStatus(request.params.model);
      const wanted = request.params.version;
      const versions = wanted === undefined ? all : all.filter((status) => status.version === wanted);
      if (versions.length === 0) dataPlane.modelMetadata(request.params.model, wanted);
      return encodeModelStatus(versions);
    });
    app.get<{ Params: ModelParams }>(`${prefix}/metadata`, async (request) => {
      const metadata = dataPlane.modelMetadata(request.params.model, request.params.version);
      return encodeTfMetadata(metadata, request.params.version ?? metadata.versions.at(-1) ?? '');
    });
  }
}
