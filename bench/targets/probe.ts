/**
 * One real inference request per protocol, checked for the right output size: a target counts as
 * available only when it answers this correctly, so a flag that exists but does nothing yet shows
 * up as "unavailable: <what it answered>" instead of a benchmark of errors.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { call, inferenceClient } from '../load/grpc-client.js';
import type { Payloads } from '../payloads.js';
import type { BenchModel } from '../models.js';
import type { Protocol, RunningTarget } from './types.js';

/** Headers and body file of an HTTP inference request in `protocol`. */
export function httpRequestOf(
  protocol: 'json' | 'binary',
  payloads: Payloads,
): {
  headers: Record<string, string>;
  body: Buffer;
  bodyFile: string;
} {
  if (protocol === 'json')
    return {
      headers: { 'Content-Type': 'application/json' },
      body: payloads.json,
      bodyFile: payloads.jsonFile,
    };
  return {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Inference-Header-Content-Length': String(payloads.binaryHeaderLength),
    },
    body: payloads.binary,
    bodyFile: payloads.binaryFile,
  };
}

export function inferUrl(base: string, model: string): string {
  return `${base}/v2/models/${model}/infer`;
}

/** Sends one request; resolves with undefined when the answer is right, else with what was wrong. */
export async function probeOnce(
  protocol: Protocol,
  running: Pick<RunningTarget, 'httpUrl' | 'grpcAddress' | 'notes'>,
  model: BenchModel,
  payloads: Payloads,
): Promise<string | undefined> {
  const expectedBytes = payloads.rows * model.outputs * 4;
  if (protocol === 'grpc') {
    if (running.grpcAddress === undefined) return 'no gRPC address';
    const client = inferenceClient(running.grpcAddress);
    try {
      const response = await call(
        client.ModelInfer,
        client,
        {
          model_name: model.name,
          inputs: [{ name: model.inputName, datatype: 'FP32', shape: payloads.shape }],
          raw_input_contents: [payloads.raw],
        },
        5000,
      );
      const raw = response.raw_output_contents?.[0];
      if (raw === undefined)
        return `ModelInfer answered without raw_output_contents: ${JSON.stringify(response).slice(0, 200)}`;
      if (raw.byteLength !== expectedBytes)
        return `ModelInfer returned ${raw.byteLength} output bytes, expected ${expectedBytes}`;
      return undefined;
    } catch (error) {
      return `gRPC ModelInfer on ${running.grpcAddress}: ${(error as Error).message}`;
    } finally {
      client.close();
    }
  }
  const request = httpRequestOf(protocol, payloads);
  let response: Response;
  try {
    response = await fetch(inferUrl(running.httpUrl, model.name), {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    return `POST ${inferUrl(running.httpUrl, model.name)}: ${(error as Error).message}`;
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) return `HTTP ${response.status}: ${body.toString('utf8').slice(0, 300)}`;
  const headerLength = response.headers.get('inference-header-content-length');
  if (protocol === 'binary') {
    if (headerLength === null) {
      running.notes.push(
        'binary request accepted, but the response was not binary (binary_data_output ignored)',
      );
      return checkJsonOutput(body, payloads.rows * model.outputs);
    }
    const binaryBytes = body.byteLength - Number(headerLength);
    if (binaryBytes !== expectedBytes)
      return `binary response carries ${binaryBytes} bytes of tensor data, expected ${expectedBytes}`;
    return undefined;
  }
  return checkJsonOutput(body, payloads.rows * model.outputs);
}

function checkJsonOutput(body: Buffer, expected: number): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { outputs?: Array<{ data?: unknown[] }> };
    const data = parsed.outputs?.[0]?.data;
    if (!Array.isArray(data))
      return `response has no outputs[0].data: ${body.toString('utf8').slice(0, 200)}`;
    if (data.flat(8).length !== expected)
      return `outputs[0].data has ${data.flat(8).length} values, expected ${expected}`;
    return undefined;
  } catch (error) {
    return `response is not JSON: ${(error as Error).message}`;
  }
}

/**
 * Probes every 250 ms until the answer is right, the process exits or `timeoutMs` passes; then
 * rejects with the last reason (or the process's last output lines).
 */
export async function waitUntilServing(
  protocol: Protocol,
  running: RunningTarget,
  model: BenchModel,
  payloads: Payloads,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let reason: string | undefined = 'no answer yet';
  while (Date.now() < deadline) {
    if (running.process.exitCode() !== undefined)
      throw new Error(`exited (${String(running.process.exitCode())}): ${lastLines(running.process.tail())}`);
    reason = await probeOnce(protocol, running, model, payloads);
    if (reason === undefined) return;
    await sleep(250);
  }
  throw new Error(`no correct answer within ${Math.round(timeoutMs / 1000)} s; last: ${reason}`);
}

/** The last few non-empty lines, joined, for a one-line reason. */
export function lastLines(lines: readonly string[], count = 3): string {
  return lines
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .map((line) => line.slice(0, 300))
    .join(' | ');
}
