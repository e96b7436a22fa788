/**
 * The Open Inference Protocol v2 REST bodies as zod schemas (inference_rest.md and Triton's
 * statistics, configuration and repository extensions): what the OpenAPI document shows. The infer
 * request is decoded by json-codec.ts (its scanner reads tensor data straight into typed arrays,
 * which a schema walk would undo); test/unit/protocol/infer-request-schema.test.ts checks, on seeded
 * random requests, that the schema and the decoder accept and refuse the same bodies.
 */
import { z } from 'zod';
import {
  DATATYPES,
  INTEGER_RANGES,
  MAX_TENSOR_RANK,
  type DataType,
  type SmallIntegerDataType,
} from '../../core/tensor.js';

/** Request and tensor parameters; `null` reads as absent, as pydantic clients send unset fields. */
export const Parameters = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]), {
    error: 'expected a JSON object of strings, numbers and booleans',
  })
  .meta({ id: 'Parameters', description: 'Free-form parameters: strings, numbers and booleans.' });

const Datatype = z.enum(DATATYPES, { error: `expected one of ${DATATYPES.join(', ')}` }).meta({
  id: 'Datatype',
  description: 'An Open Inference Protocol tensor datatype.',
});

const Shape = z
  .array(z.int().min(0), { error: 'expected an array of non-negative integers' })
  .max(MAX_TENSOR_RANK)
  .describe('Dimensions of the tensor, row-major.');

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** 64-bit integers: a JSON number in the safe range, or a decimal string for full precision. */
function int64(min: bigint, max: bigint): z.ZodType {
  const decimal = z
    .string()
    .regex(/^-?\d+$/)
    // The regex gives the document its `pattern`; zod still runs the refinement after a failed regex,
    // so it checks the digits again rather than let BigInt throw.
    .refine((text) => /^-?\d+$/.test(text) && BigInt(text) >= min && BigInt(text) <= max, {
      error: `expected an integer in [${min}, ${max}]`,
    });
  return z.union([min === 0n ? z.int().min(0) : z.int(), decimal]);
}

const smallInteger = (datatype: SmallIntegerDataType): z.ZodType =>
  z.int().min(INTEGER_RANGES[datatype][0]).max(INTEGER_RANGES[datatype][1]);

const ELEMENT: Record<DataType, z.ZodType> = {
  BOOL: z.boolean(),
  UINT8: smallInteger('UINT8'),
  UINT16: smallInteger('UINT16'),
  UINT32: smallInteger('UINT32'),
  UINT64: int64(0n, UINT64_MAX),
  INT8: smallInteger('INT8'),
  INT16: smallInteger('INT16'),
  INT32: smallInteger('INT32'),
  INT64: int64(INT64_MIN, INT64_MAX),
  FP16: z.number(),
  FP32: z.number(),
  FP64: z.number(),
  BYTES: z.string(),
};

/**
 * Levels of nesting the schema spells out (2-D data fully). Deeper data (up to MAX_TENSOR_RANK) is valid too; the
 * schema takes its innermost lists as they come and the decoder checks their values. Not recursive:
 * a recursive `$ref` sends some generators (schemathesis's, through hypothesis) into a crash.
 */
const NESTING_SPELLED_OUT = 2;

/** `data`: flat, or nested one list per dimension (row-major), of the datatype's values. */
function tensorData(element: z.ZodType): z.ZodType {
  let level: z.ZodType = z.array(z.unknown());
  for (let depth = 0; depth < NESTING_SPELLED_OUT; depth += 1) level = z.array(z.union([element, level]));
  return z.array(z.union([element, level]), { error: 'expected an array of values' });
}

const InputTensorBase = z.object({
  name: z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' }),
  shape: Shape,
  parameters: Parameters.nullish(),
});

export const InputTensor = z
  .discriminatedUnion(
    'datatype',
    DATATYPES.map((datatype) =>
      InputTensorBase.extend({ datatype: z.literal(datatype), data: tensorData(ELEMENT[datatype]) }),
    ) as unknown as [z.ZodObject, ...z.ZodObject[]],
    { error: `expected a datatype, one of ${DATATYPES.join(', ')}` },
  )
  .meta({ id: 'InputTensor', description: 'One input tensor; `data` holds values of its datatype.' });

export const RequestedOutput = z
  .object({
    name: z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' }),
    parameters: Parameters.nullish(),
  })
  .meta({
    id: 'RequestedOutput',
    description: 'An output to return; `parameters.binary_data: true` returns it as binary.',
  });

export const InferRequest = z
  .object(
    {
      id: z.string().nullish(),
      parameters: Parameters.nullish(),
      inputs: z
        .array(InputTensor, { error: 'expected a non-empty array of input tensors' })
        .min(1, { error: 'expected a non-empty array of input tensors' }),
      outputs: z.array(RequestedOutput).nullish(),
    },
    { error: 'expected a JSON object' },
  )
  .meta({
    id: 'InferRequest',
    description:
      '`$inference_request`. Empty or absent `outputs` returns every output; `parameters.binary_data_output: true` returns them as binary.',
  });

const OutputTensor = z
  .object({
    name: z.string(),
    datatype: Datatype,
    shape: z.array(z.int()),
    data: z.array(z.union([z.number(), z.string(), z.boolean(), z.null()])).optional(),
    parameters: Parameters.optional(),
  })
  .meta({ id: 'OutputTensor', description: 'An output tensor; `data` is flat, row-major (null for NaN).' });

export const InferResponse = z
  .object({
    model_name: z.string(),
    model_version: z.string(),
    id: z.string().optional(),
    parameters: Parameters.optional(),
    outputs: z.array(OutputTensor),
  })
  .meta({ id: 'InferResponse', description: '`$inference_response`.' });

const TensorMetadata = z
  .object({ name: z.string(), datatype: Datatype, shape: z.array(z.int()) })
  .meta({ id: 'TensorMetadata', description: 'A tensor of the signature; -1 is a dimension of any size.' });

export const ModelMetadata = z
  .object({
    name: z.string(),
    versions: z.array(z.string()),
    platform: z.string(),
    inputs: z.array(TensorMetadata),
    outputs: z.array(TensorMetadata),
  })
  .meta({ id: 'ModelMetadata', description: '`$metadata_model_response`.' });

export const ServerMetadata = z
  .object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) })
  .meta({ id: 'ServerMetadata', description: '`$metadata_server_response`.' });

export const Live = z.object({ live: z.boolean() }).meta({ id: 'Live' });
export const Ready = z.object({ ready: z.boolean() }).meta({ id: 'Ready' });
export const ModelReady = z.object({ name: z.string(), ready: z.boolean() }).meta({ id: 'ModelReady' });

const Duration = z.object({ count: z.int(), ns: z.number() }).meta({ id: 'StatisticDuration' });

export const ModelStatistics = z
  .object({
    model_stats: z.array(
      z.object({
        name: z.string(),
        version: z.string(),
        last_inference: z.number(),
        inference_count: z.int(),
        execution_count: z.int(),
        inference_stats: z.object({
          success: Duration,
          fail: Duration,
          queue: Duration,
          compute_input: Duration,
          compute_infer: Duration,
          compute_output: Duration,
          cache_hit: Duration,
          cache_miss: Duration,
        }),
        batch_stats: z.array(
          z.object({
            batch_size: z.int(),
            compute_input: Duration,
            compute_infer: Duration,
            compute_output: Duration,
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'ModelStatistics', description: "Triton's statistics extension, per READY version." });

const TensorConfig = z.object({ name: z.string(), data_type: z.string(), dims: z.array(z.int()) });

export const ModelConfig = z
  .object({
    name: z.string(),
    platform: z.string(),
    backend: z.string(),
    max_batch_size: z.int(),
    input: z.array(TensorConfig),
    output: z.array(TensorConfig),
    dynamic_batching: z
      .object({
        preferred_batch_size: z.array(z.int()),
        max_queue_delay_microseconds: z.number(),
        default_queue_policy: z.object({
          timeout_action: z.literal('REJECT'),
          default_timeout_microseconds: z.number(),
          max_queue_size: z.int(),
        }),
      })
      .optional(),
    default_model_filename: z.string(),
    berth: z.object({
      version: z.string(),
      inputs: z.array(TensorMetadata),
      outputs: z.array(TensorMetadata),
      batching: z.object({
        enabled: z.boolean(),
        reason: z.string(),
        max_batch_size: z.int(),
        max_queue_delay_us: z.number(),
        preferred_batch_sizes: z.array(z.int()),
        max_queue_size: z.int(),
        timeout_ms: z.number(),
      }),
      config: z.looseObject({}).describe('berth.yaml with defaults and server-wide overrides applied.'),
    }),
  })
  .meta({
    id: 'ModelConfig',
    description: "Triton's model configuration extension, with Berth's own fields.",
  });

export const RepositoryIndexRequest = z
  .object(
    { ready: z.boolean({ error: 'expected true or false' }).nullish() },
    { error: 'expected a JSON object' },
  )
  .nullish()
  .meta({ id: 'RepositoryIndexRequest', description: '`ready: true` lists READY versions only.' });

export const RepositoryModelRequest = z
  .object(
    { parameters: z.looseObject({}, { error: 'expected a JSON object' }).nullish() },
    { error: 'expected a JSON object' },
  )
  .nullish()
  .meta({
    id: 'RepositoryModelRequest',
    description: 'Load and unload bodies; `parameters` are not used yet.',
  });

export const RepositoryIndex = z
  .array(z.object({ name: z.string(), version: z.string(), state: z.string(), reason: z.string() }))
  .meta({ id: 'RepositoryIndex', description: 'Every configured model and version, with its state.' });

export const Empty = z.object({}).meta({ id: 'Empty' });
