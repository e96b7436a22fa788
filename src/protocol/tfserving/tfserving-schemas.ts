/**
 * TensorFlow Serving REST bodies (`/v1/models/...`) as zod schemas, for the OpenAPI document. The
 * predict body is decoded against the model's signature by predict-codec.ts.
 */
import { z } from 'zod';

export const PredictRequest = z
  .object({
    signature_name: z.string().optional(),
    instances: z.array(z.unknown()).optional().describe('Row format: one entry per example.'),
    inputs: z.unknown().optional().describe('Columnar format: one list per input, or the one input.'),
  })
  .meta({ id: 'TfPredictRequest', description: 'TF Serving predict request: `instances` or `inputs`.' });

export const PredictResponse = z
  .union([z.object({ predictions: z.unknown() }), z.object({ outputs: z.unknown() })])
  .meta({ id: 'TfPredictResponse', description: '`predictions` (row format) or `outputs` (columnar).' });

export const ModelStatus = z
  .object({
    model_version_status: z.array(
      z.object({
        version: z.string(),
        state: z.enum(['LOADING', 'AVAILABLE', 'UNLOADING', 'END']),
        status: z.object({ error_code: z.string(), error_message: z.string() }),
      }),
    ),
  })
  .meta({ id: 'TfModelStatus', description: 'TF Serving model version status.' });

const TensorInfo = z.object({
  dtype: z.string(),
  tensor_shape: z.object({
    dim: z.array(z.object({ size: z.string(), name: z.string() })),
    unknown_rank: z.boolean(),
  }),
  name: z.string(),
});

export const ModelMetadata = z
  .object({
    model_spec: z.object({ name: z.string(), signature_name: z.string(), version: z.string() }),
    metadata: z.object({
      signature_def: z.object({
        signature_def: z.object({
          serving_default: z.object({
            inputs: z.record(z.string(), TensorInfo),
            outputs: z.record(z.string(), TensorInfo),
            method_name: z.string(),
          }),
        }),
      }),
    }),
  })
  .meta({ id: 'TfModelMetadata', description: 'TF Serving metadata: the signature as `serving_default`.' });
