/** TensorFlow Serving REST routes (`/v1/models/...`) over the same data plane. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BerthError } from '../../core/errors.js';
import type { DataPlane } from '../../dataplane/data-plane.js';
import { decodePredictRequest, encodePredictResponse } from '../../protocol/tfserving/predict-codec.js';
import { encodeModelStatus, encodeTfMetadata } from '../../protocol/tfserving/status-codec.js';
import * as tf from '../../protocol/tfserving/tfserving-schemas.js';
import { COMMON_ERRORS, errorResponses } from './api-responses.js';
import type { ApiRoutes } from './api-routes.js';
import { disconnectSignal } from './disconnect-signal.js';

const TAG = 'TensorFlow Serving (v1)';

/** TF Serving puts the verb after a colon in the last segment: `/v1/models/m:predict`. */
const VERB = /^(?<name>[^:]+):(?<verb>predict|classify|regress)$/;

const ModelName = z.string().describe('The model name.');
const MODEL_ERRORS = errorResponses(...COMMON_ERRORS, 404);
const PREDICT_ERRORS = errorResponses(...COMMON_ERRORS, 404, 413, 415, 504);

export function registerTfServingRoutes(routes: ApiRoutes, dataPlane: DataPlane): void {
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

  // The verb shares the last segment, so these paths name it `model` (`m:predict`) and `version`
  // (`3:predict`): OpenAPI allows one name per path template, and the GET routes below use these.
  const predictSpec = {
    method: 'POST',
    tag: TAG,
    body: { json: tf.PredictRequest, required: true, checkedBy: 'codec' },
    responses: { 200: { description: 'The predictions.', json: tf.PredictResponse }, ...PREDICT_ERRORS },
  } as const;
  routes.add(
    {
      ...predictSpec,
      url: '/v1/models/:model',
      operationId: 'tfPredict',
      summary: 'Predict with the latest READY version: POST /v1/models/{name}:predict',
      params: z.object({ model: z.string().describe('`{name}:predict`.') }),
    },
    async ({ params }, request, reply) => predict(request, reply, params.model),
  );
  routes.add(
    {
      ...predictSpec,
      url: '/v1/models/:model/versions/:version',
      operationId: 'tfPredictVersion',
      summary: 'Predict with one version: POST /v1/models/{name}/versions/{version}:predict',
      params: z.object({ model: ModelName, version: z.string().describe('`{version}:predict`.') }),
    },
    async ({ params }, request, reply) => {
      const [version, verb] = params.version.split(':');
      return predict(request, reply, `${params.model}:${verb ?? ''}`, version);
    },
  );

  const prefixes = [
    { url: '/v1/models/:model', params: z.object({ model: ModelName }), id: '', of: 'every version' },
    {
      url: '/v1/models/:model/versions/:version',
      params: z.object({ model: ModelName, version: z.string().describe('A version of the model.') }),
      id: 'Version',
      of: 'one version',
    },
  ] as const;
  for (const prefix of prefixes) {
    routes.add(
      {
        method: 'GET',
        url: prefix.url,
        operationId: `tfModelStatus${prefix.id}`,
        tag: TAG,
        summary: `State of ${prefix.of}`,
        params: prefix.params,
        responses: { 200: { description: 'Version status.', json: tf.ModelStatus }, ...MODEL_ERRORS },
      },
      async ({ params }) => {
        const wanted = 'version' in params ? params.version : undefined;
        const all = dataPlane.modelStatus(params.model);
        const versions = wanted === undefined ? all : all.filter((status) => status.version === wanted);
        if (versions.length === 0) dataPlane.modelMetadata(params.model, wanted);
        return encodeModelStatus(versions);
      },
    );
    routes.add(
      {
        method: 'GET',
        url: `${prefix.url}/metadata`,
        operationId: `tfModelMetadata${prefix.id}`,
        tag: TAG,
        summary: `Signature of ${prefix.id === '' ? 'the latest READY version' : 'one version'}`,
        params: prefix.params,
        responses: { 200: { description: 'Metadata.', json: tf.ModelMetadata }, ...MODEL_ERRORS },
      },
      async ({ params }) => {
        const wanted = 'version' in params ? params.version : undefined;
        const metadata = dataPlane.modelMetadata(params.model, wanted);
        return encodeTfMetadata(metadata, wanted ?? metadata.versions.at(-1) ?? '');
      },
    );
  }
}
