/** Open Inference Protocol v2 REST routes (inference_rest.md): translation only. */
import { z } from 'zod';
import { MODEL_NAME_MAX_CHARS, MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '../../core/model-name.js';
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
import * as v2 from '../../protocol/v2/v2-schemas.js';
import { COMMON_ERRORS, errorResponses } from './api-responses.js';
import type { ApiRoutes } from './api-routes.js';
import { disconnectSignal } from './disconnect-signal.js';

const TAG = 'Open Inference Protocol (v2)';
const REPOSITORY_TAG = 'Model repository (v2)';

const ModelName = z.string().describe('The model name, as configured.');
const Version = z.string().describe('A version of the model; absent for the latest READY one.');
const MODEL_PREFIXES = [
  {
    url: '/v2/models/:model',
    params: z.object({ model: ModelName }),
    id: '',
    of: 'the latest READY version',
  },
  {
    url: '/v2/models/:model/versions/:version',
    params: z.object({ model: ModelName, version: Version }),
    id: 'Version',
    of: 'one version',
  },
] as const;

/** Health probes answer while draining, so Kubernetes sees the truth: no 503 from admission. */
const PROBE_ERRORS = errorResponses(400, 500);

export function registerV2Routes(routes: ApiRoutes, dataPlane: DataPlane): void {
  routes.add(
    {
      method: 'GET',
      url: '/v2',
      operationId: 'serverMetadata',
      tag: TAG,
      summary: 'Server name, version and protocol extensions',
      responses: {
        200: { description: 'Server metadata.', json: v2.ServerMetadata },
        ...errorResponses(...COMMON_ERRORS),
      },
    },
    async () => encodeServerMetadata(dataPlane.serverMetadata()),
  );

  routes.add(
    {
      method: 'GET',
      url: '/v2/health/live',
      operationId: 'serverLive',
      tag: TAG,
      summary: 'Liveness: the process is up',
      responses: { 200: { description: 'Live.', json: v2.Live }, ...PROBE_ERRORS },
    },
    async () => ({ live: dataPlane.live() }),
  );

  // Kubernetes probes read the status, the spec's clients read the body: give both.
  routes.add(
    {
      method: 'GET',
      url: '/v2/health/ready',
      operationId: 'serverReady',
      tag: TAG,
      summary: 'Readiness: every configured model is READY and the server accepts work',
      responses: {
        200: { description: 'Ready.', json: v2.Ready },
        503: { description: 'Not ready (still loading, a model FAILED, or draining).', json: v2.Ready },
        ...PROBE_ERRORS,
      },
    },
    async (_input, _request, reply) => {
      const ready = dataPlane.ready();
      return reply.code(ready ? 200 : 503).send({ ready });
    },
  );

  // Statistics extension (Triton): every READY version of every model. A static segment wins over
  // `:model`, so a model named "stats" has its metadata at /v2/models/stats/versions/{v} only.
  routes.add(
    {
      method: 'GET',
      url: '/v2/models/stats',
      operationId: 'allModelStatistics',
      tag: TAG,
      summary: 'Inference statistics of every READY version (Triton statistics extension)',
      responses: {
        200: { description: 'Statistics.', json: v2.ModelStatistics },
        ...errorResponses(...COMMON_ERRORS),
      },
    },
    async () => encodeModelStatistics(dataPlane.modelStatistics()),
  );

  for (const prefix of MODEL_PREFIXES) {
    const modelErrors = errorResponses(...COMMON_ERRORS, 404);
    routes.add(
      {
        method: 'GET',
        url: `${prefix.url}/stats`,
        operationId: `modelStatistics${prefix.id}`,
        tag: TAG,
        summary: `Inference statistics of ${prefix.of}`,
        params: prefix.params,
        responses: { 200: { description: 'Statistics.', json: v2.ModelStatistics }, ...modelErrors },
      },
      async ({ params }) => encodeModelStatistics(dataPlane.modelStatistics(params.model, version(params))),
    );

    // Model configuration extension (Triton): the effective configuration of the READY version.
    routes.add(
      {
        method: 'GET',
        url: `${prefix.url}/config`,
        operationId: `modelConfig${prefix.id}`,
        tag: TAG,
        summary: `Effective configuration of ${prefix.of} (Triton configuration extension)`,
        params: prefix.params,
        responses: { 200: { description: 'Configuration.', json: v2.ModelConfig }, ...modelErrors },
      },
      async ({ params }) => encodeModelConfig(dataPlane.modelConfig(params.model, version(params))),
    );

    routes.add(
      {
        method: 'GET',
        url: prefix.url,
        operationId: `modelMetadata${prefix.id}`,
        tag: TAG,
        summary: `Signature and versions of ${prefix.of}`,
        params: prefix.params,
        responses: { 200: { description: 'Model metadata.', json: v2.ModelMetadata }, ...modelErrors },
      },
      async ({ params }) => encodeModelMetadata(dataPlane.modelMetadata(params.model, version(params))),
    );

    routes.add(
      {
        method: 'GET',
        url: `${prefix.url}/ready`,
        operationId: `modelReady${prefix.id}`,
        tag: TAG,
        summary: `Whether ${prefix.of} is READY`,
        params: prefix.params,
        responses: {
          200: { description: 'READY.', json: v2.ModelReady },
          503: { description: 'Known, but not READY.', json: v2.ModelReady },
          ...errorResponses(400, 404, 500),
        },
      },
      async ({ params }, _request, reply) => {
        const ready = dataPlane.modelReady(params.model, version(params));
        return reply.code(ready ? 200 : 503).send({ name: params.model, ready });
      },
    );

    // A Buffer body is the binary tensor extension (app.ts keeps it as bytes); a string is the JSON
    // text (rawJsonBody), which the codec scans; no body at all is undefined.
    routes.add(
      {
        method: 'POST',
        url: `${prefix.url}/infer`,
        operationId: `infer${prefix.id}`,
        tag: TAG,
        summary: `Run an inference on ${prefix.of}`,
        description:
          "JSON tensors, or the binary tensor extension: the JSON header, then the tensors' bytes, with `Inference-Header-Content-Length` giving the header's length.",
        params: prefix.params,
        headers: {
          [INFERENCE_HEADER]: {
            description: 'Length in bytes of the JSON header of a binary request (binary tensor extension).',
            required: false,
            schema: z.string().regex(/^\d+$/),
          },
        },
        body: {
          json: v2.InferRequest,
          required: true,
          checkedBy: 'codec',
          binary: { description: "The JSON header (an InferRequest), then each input's bytes in order." },
        },
        responses: {
          200: {
            description: 'The outputs; binary when the request asked for binary outputs.',
            json: v2.InferResponse,
            binary: ['application/octet-stream'],
          },
          ...errorResponses(...COMMON_ERRORS, 404, 413, 415, 504),
        },
        config: { rawJsonBody: true },
      },
      async ({ params }, request, reply) => {
        const body = request.body;
        // Decoded once the model is found: an unknown model is a 404 whatever the body holds.
        let binary: ReturnType<typeof selectBinaryOutputs>;
        const decode = () => {
          const inferRequest = Buffer.isBuffer(body)
            ? decodeBinaryInferRequest(body, request.headers[INFERENCE_HEADER])
            : typeof body === 'string'
              ? decodeInferRequestText(body)
              : decodeInferRequest(body);
          binary = selectBinaryOutputs(inferRequest);
          return inferRequest;
        };
        const response = await dataPlane.infer(
          params.model,
          version(params),
          decode,
          'v2',
          disconnectSignal(reply),
        );
        if (binary === undefined) return reply.type('application/json').send(encodeInferResponse(response));
        const encoded = encodeBinaryInferResponse(response, binary);
        return reply
          .header(INFERENCE_HEADER, encoded.headerLength)
          .type('application/octet-stream')
          .send(encoded.body);
      },
    );
  }

  // Model repository extension (Triton): what is configured here and in which state; load, unload.
  routes.add(
    {
      method: 'POST',
      url: '/v2/repository/index',
      operationId: 'repositoryIndex',
      tag: REPOSITORY_TAG,
      summary: 'Every configured model and version, with its state',
      body: { json: v2.RepositoryIndexRequest, required: false, checkedBy: 'schema' },
      responses: {
        200: { description: 'The index.', json: v2.RepositoryIndex },
        ...errorResponses(...COMMON_ERRORS, 413, 415),
      },
    },
    async ({ body }) => {
      const { readyOnly } = decodeRepositoryIndexRequest(body);
      return dataPlane.repositoryCatalog(readyOnly ? { ready: true } : {});
    },
  );

  for (const action of ['load', 'unload'] as const) {
    routes.add(
      {
        method: 'POST',
        url: `/v2/repository/models/:model/${action}`,
        operationId: `repository${action === 'load' ? 'Load' : 'Unload'}`,
        tag: REPOSITORY_TAG,
        summary:
          action === 'load'
            ? 'Load (or reload) a model; explicit model-control mode only'
            : 'Unload a model; explicit model-control mode only',
        params: z.object({
          model:
            action === 'load'
              ? z
                  .string()
                  .max(MODEL_NAME_MAX_CHARS, { error: `expected ${MODEL_NAME_RULE}` })
                  .regex(MODEL_NAME_PATTERN, { error: `expected ${MODEL_NAME_RULE}` })
                  .describe('A configured model, or a model folder of the store.')
              : ModelName,
        }),
        body: { json: v2.RepositoryModelRequest, required: false, checkedBy: 'schema' },
        responses: {
          200: { description: action === 'load' ? 'Loaded and READY.' : 'Unloaded.', json: v2.Empty },
          ...errorResponses(...COMMON_ERRORS, 404, 409, 413, 415),
        },
      },
      async ({ params, body }) => {
        decodeRepositoryModelRequest(body);
        await (action === 'load' ? dataPlane.loadModel(params.model) : dataPlane.unloadModel(params.model));
        return {};
      },
    );
  }
}

/** The version in the URL; undefined on the routes without one. */
function version(params: { readonly model: string } | { readonly version: string }): string | undefined {
  return 'version' in params ? params.version : undefined;
}
