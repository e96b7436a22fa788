/**
 * `GET /api/dashboard` as a zod schema, for the OpenAPI document. The assignment at the end fails to
 * compile when DashboardSnapshot (dashboard-snapshot.ts) grows a field the schema does not allow.
 */
import { z } from 'zod';
import type { DashboardSnapshot } from './dashboard-snapshot.js';

const Millis = z.number().min(0);

const DashboardVersion = z.object({
  version: z.string(),
  state: z.enum(['LOADING', 'WARMING', 'READY', 'UNLOADING', 'FAILED', 'UNAVAILABLE']),
  reason: z.string().optional().describe('Why it FAILED, as the registry reported it.'),
  since: Millis.optional().describe('Epoch ms of the last state change.'),
  source: z.object({
    uri: z.string().optional(),
    digest: z.string().optional().describe('sha256 of MANIFEST.json.'),
    createdAt: z.string().optional(),
    lineage: z.record(z.string(), z.unknown()).optional(),
  }),
  bytes: z.number().min(0).optional(),
  reused: z.boolean().optional().describe('True when the files were already in the local cache.'),
  downloadMs: Millis.optional(),
  loadMs: Millis.optional(),
  warmupMs: Millis.optional(),
  warmupRuns: z.int().min(0).optional(),
  workers: z.object({ ready: z.int().min(0), total: z.int().min(0) }),
});

const TrafficPoint = z.object({
  t: z.int().describe('Epoch seconds at the start of the second.'),
  requests: z.int().min(0),
  errors: z.int().min(0),
  p50: Millis.optional(),
  p95: Millis.optional(),
  p99: Millis.optional(),
  batches: z.int().min(0),
  batchMean: z.number().min(0).optional(),
  batchP95: z.number().min(0).optional(),
  queueDepth: z.int().min(0),
  inFlight: z.int().min(0),
});

export const DashboardSnapshotSchema = z
  .object({
    server: z.object({
      name: z.string(),
      version: z.string(),
      workers: z.int().min(1),
      modelControl: z.enum(['explicit', 'poll', 'none']),
      now: Millis,
    }),
    models: z.array(z.object({ name: z.string(), versions: z.array(DashboardVersion) })),
    traffic: z.array(TrafficPoint).describe('One point per complete second, oldest first; latencies in ms.'),
  })
  .meta({ id: 'DashboardSnapshot', description: 'What the server holds and its traffic, second by second.' });

// Compile-time drift check: every snapshot the server makes is one the schema describes.
type Mutable<T> = T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
export const snapshotFitsSchema = (snapshot: DashboardSnapshot): z.input<typeof DashboardSnapshotSchema> =>
  snapshot as Mutable<DashboardSnapshot>;
