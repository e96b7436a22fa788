/**
 * A Predictor over a running server's V2 REST endpoint (Open Inference Protocol, JSON body), with
 * Node's fetch (undici), whose pool keeps connections alive between the runner's parallel requests.
 */
import { BerthError } from '../../core/errors.js';
import type { DataType, Tensor, TensorSpec } from '../../core/tensor.js';
import { decodeBinaryInferResponse, encodeBinaryInferRequest } from '../../protocol/v2/binary-client.js';
import { INFERENCE_HEADER } from '../../protocol/v2/binary-message.js';
import { dataFromJson } from '../../protocol/v2/tensor-json.js';
import type { Predictor } from './predictor.js';

/**
 * Reads the model's metadata from `url`, then sends each batch as one infer request: JSON, or with
 * `binary` the binary tensor data extension both ways (no number formatting or parsing at all).
 */
export async function endpointPredictor(
  url: string,
  model: string,
  options: { readonly version?: string; readonly binary?: boolean } = {},
): Promise<Predictor> {
  const { version } = options;
  const base = `${url.replace(/\/+$/, '')}/v2/models/${encodeURIComponent(model)}${
    version ? `/versions/${encodeURIComponent(version)}` : ''
  }`;
  const metadata = (await call(`${base}`, undefined)) as {
    versions?: string[];
    inputs: TensorSpec[];
    outputs: TensorSpec[];
  };
  const outputs = metadata.outputs.map((spec) => ({ name: spec.name }));
  return {
    model,
    version: version ?? metadata.versions?.at(-1) ?? '',
    inputs: metadata.inputs,
    outputs: metadata.outputs,
    async infer(inputs: readonly Tensor[], signal?: AbortSignal): Promise<Tensor[]> {
      if (options.binary === true) {
        const request = encodeBinaryInferRequest(
          inputs,
          outputs.map((output) => output.name),
        );
        const response = await send(`${base}/infer`, signal, {
          method: 'POST',
          body: request.body,
          headers: {
            'content-type': 'application/octet-stream',
            [INFERENCE_HEADER]: String(request.headerLength),
          },
        });
        const length = response.headers.get(INFERENCE_HEADER);
        const bytes = new Uint8Array(await response.arrayBuffer());
        return decodeBinaryInferResponse(bytes, length === null ? undefined : Number(length));
      }
      const body = JSON.stringify({ inputs: inputs.map(tensorJson), outputs });
      const answer = (await call(`${base}/infer`, body, signal)) as {
        outputs: Array<{ name: string; datatype: DataType; shape: number[]; data: unknown }>;
      };
      return answer.outputs.map((output, index) => ({
        name: output.name,
        datatype: output.datatype,
        shape: output.shape,
        data: dataFromJson(output.datatype, output.data, `outputs[${index}].data`),
      }));
    },
  };
}

function tensorJson(tensor: Tensor): object {
  const data = tensor.data as ArrayLike<number | bigint>;
  // INT64 data goes as JSON numbers: exact up to 2^53, as every V2 JSON client sends them.
  const values = Array.from(data, (value) => (typeof value === 'bigint' ? Number(value) : value));
  return { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, data: values };
}

async function call(url: string, body: string | undefined, signal?: AbortSignal): Promise<unknown> {
  const response = await send(url, signal, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}),
  });
  return JSON.parse(await response.text()) as unknown;
}

/** One request; a transport failure is SERVER_UNREACHABLE, an error status names the server's message. */
async function send(url: string, signal: AbortSignal | undefined, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, ...(signal ? { signal } : {}) });
  } catch (error) {
    throw new BerthError('SERVER_UNREACHABLE', `${url}: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) {
    const text = await response.text();
    const message = (() => {
      try {
        return (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        return text;
      }
    })();
    throw new BerthError(
      response.status === 404 ? 'MODEL_NOT_FOUND' : 'INFERENCE_FAILED',
      `${url}: HTTP ${response.status}: ${message}`,
    );
  }
  return response;
}
