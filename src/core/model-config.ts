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
    runtime: z.literal('onnx').default('onnx').describe('Inference runtime. Only ONNX Runtime for now.'),
    model_file: z.string().min(1).default('model.onnx').describe('File inside the version folder to load.'),
    max_batch_size: z
      .number()
      .int()
      .min(1)
      .default(32)
      .describe('Largest batch (first dimension) the server runs; warm-up covers sizes up to it.'),
    instances: z.number().int().min(1).default(1).describe('ONNX Runtime sessions for this model.'),
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
    inputs: z.array(tensorOverride).optional().describe('Signature overrides for inputs.'),
    outputs: z.array(tensorOverride).optional().describe('Signature overrides for outputs.'),
    warmup: z
      .object({
        batch_sizes: z
          .array(z.number().int().min(1))
          .optional()
          .describe('Batch sizes to run with generated inputs; default: 1 and max_batch_size.'),
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
