/**
 * berth.yaml: the model config that travels with each model version in the store. Validated once
 * with the schema below; every field has a description, which docs/config.md is generated from.
 */
import { z } from 'zod';
import { DATATYPES } from './tensor.js';

const tensorOverride = z
  .object({
    name: z.string().min(1).describe('Input or output name as in the model file.'),
    datatype: z.enum(DATATYPES).optional().describe('Overrides the datatype read from the model.'),
    shape: z
      .array(z.number().int().min(-1))
      .optional()
      .describe('Overrides the shape read from the model; -1 is a dynamic dimension.'),
  })
  .strict();

export const modelConfigSchema = z
  .object({
    runtime: z
      .enum(['onnx', 'lookup'])
      .default('onnx')
      .describe(
        'Inference runtime: `onnx` (ONNX Runtime) or `lookup` (a table of precomputed predictions by key, written by `berth lookup publish`).',
      ),
    model_file: z.string().min(1).default('model.onnx').describe('File inside the version folder to load.'),
    max_batch_size: z
      .number()
      .int()
      .min(1)
      .default(32)
      .describe('Largest batch (first dimension) the server runs; warm-up covers sizes up to it.'),
    instances: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'ONNX Runtime sessions for this model, each on its own worker thread; default: cores ÷ threads.intra_op, at most 8 (1 when inline). `--instances` overrides it.',
      ),
    execution: z
      .enum(['auto', 'worker', 'inline'])
      .default('auto')
      .describe(
        'Where runs execute: `worker` threads (the event loop stays free during a run; instances run at once) or `inline` on the event loop (one run at a time, blocking it; ~75 µs less per call, for models that run in microseconds). `auto` times 5 runs of zero inputs inline at max_batch_size (one request when the first dimension is fixed) after loading: a median under 1 ms serves the model inline with one session, whatever `instances` says; otherwise on workers.',
      ),
    threads: z
      .object({
        intra_op: z
          .number()
          .int()
          .min(0)
          .default(1)
          .describe('Threads inside one operator (0: runtime default).'),
        inter_op: z
          .number()
          .int()
          .min(0)
          .default(1)
          .describe('Threads across operators (0: runtime default).'),
        spinning: z
          .boolean()
          .default(false)
          .describe('Let idle pool threads spin; measured to double CPU per request here, so off.'),
      })
      .strict()
      .default({ intra_op: 1, inter_op: 1, spinning: false })
      .describe('ONNX Runtime thread settings.'),
    batching: z
      .object({
        enabled: z
          .boolean()
          .optional()
          .describe(
            'Dynamic batching on or off; default: on when every input has a dynamic first dimension.',
          ),
        max_queue_delay_us: z
          .number()
          .int()
          .min(0)
          .default(0)
          .describe(
            'How long a partial batch may wait for more rows (µs). 0: never wait; a request runs at once when an instance is idle, and requests that arrive while all are busy form the next batch.',
          ),
        preferred_batch_sizes: z
          .array(z.number().int().min(1))
          .default([])
          .describe(
            'Batch sizes to cut batches at when enough rows wait; sizes over max_batch_size are ignored.',
          ),
        max_queue_size: z
          .number()
          .int()
          .min(1)
          .default(256)
          .describe(
            'Requests that may wait for an instance (batching on or off; a request split into chunks counts each chunk); more get 503 BERTH_ERR_QUEUE_FULL with Retry-After.',
          ),
        timeout_ms: z
          .number()
          .int()
          .min(0)
          .default(0)
          .describe(
            'How long a request may wait in the queue before it fails with BERTH_ERR_CANCELLED; 0: no limit.',
          ),
        strict_max_batch_size: z
          .boolean()
          .default(false)
          .describe(
            'Refuse a request with more rows than max_batch_size (400 BERTH_ERR_INPUT_SHAPE, as Triton does) instead of splitting it into runs of at most max_batch_size rows and answering with the rows joined in order (as TF Serving does). Applies to models whose inputs all have a dynamic first dimension.',
          ),
      })
      .strict()
      .default({
        max_queue_delay_us: 0,
        preferred_batch_sizes: [],
        max_queue_size: 256,
        timeout_ms: 0,
        strict_max_batch_size: false,
      })
      .describe('Dynamic batching: requests are concatenated on the first dimension and outputs split back.'),
    inputs: z.array(tensorOverride).optional().describe('Signature overrides for inputs.'),
    outputs: z.array(tensorOverride).optional().describe('Signature overrides for outputs.'),
    warmup: z
      .object({
        batch_sizes: z
          .array(z.number().int().min(1))
          .optional()
          .describe(
            'Batch sizes to run with generated inputs; default: 1, batching.preferred_batch_sizes and max_batch_size.',
          ),
        requests: z
          .array(z.string().min(1))
          .default([])
          .describe('V2 JSON request files in the version folder to run before READY.'),
        generated: z
          .boolean()
          .default(true)
          .describe('Also run inputs generated from the signature (zeros) for each batch size.'),
      })
      .strict()
      .default({ requests: [], generated: true })
      .describe('Warm-up run before the version is reported READY.'),
  })
  .strict();

export type ModelConfig = z.infer<typeof modelConfigSchema>;
