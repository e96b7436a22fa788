/**
 * The answers routes share: the error body every failure has (`{error, code}`, code from
 * docs/errors.md) under each status error-status.ts gives, and the header every answer carries.
 */
import { z } from 'zod';
import type { HeaderSpec, ResponseSpec } from './api-routes.js';

export const ErrorBody = z
  .object({
    error: z.string().describe('What went wrong, naming the field and what was expected.'),
    code: z.string().describe('A stable error id, searchable in docs/errors.md (MODEL_NOT_FOUND, ...).'),
  })
  .meta({ id: 'Error', description: 'Every error answer.' });

/** Set on every answer, errors too (app.ts): the request's id, or the one the client sent. */
export const REQUEST_ID_HEADER: Readonly<Record<string, HeaderSpec>> = {
  'x-request-id': {
    description: 'The request id: the `x-request-id` the client sent, or a new UUID.',
    required: true,
    schema: z.string(),
  },
};

const ERRORS = {
  400: 'The request is invalid: the message names the field and what was expected.',
  404: 'No such model, version, file or endpoint.',
  409: 'An unload of the same model arrived before this load finished (explicit model control).',
  413: 'The request body is larger than the server accepts (`--body-limit`).',
  415: 'The Content-Type is not one the route takes.',
  500: 'An internal error; the server log has its cause.',
  503: 'Not ready, shutting down, or the batching queue is full (then with Retry-After).',
  504: 'The request timed out or was cancelled before it ran.',
} as const;

export type ErrorStatus = keyof typeof ERRORS;

/** Error answers by status, each with the error body. */
export function errorResponses(...statuses: readonly ErrorStatus[]): Record<number, ResponseSpec> {
  const responses: Record<number, ResponseSpec> = {};
  for (const status of statuses) {
    responses[status] = {
      description: ERRORS[status],
      json: ErrorBody,
      ...(status === 503
        ? {
            headers: {
              'retry-after': {
                description: 'Seconds to wait before retrying, when the batching queue is full.',
                required: false,
                schema: z.string(),
              },
            },
          }
        : {}),
    };
  }
  return responses;
}

/** What any route can answer: a bad URL (400), a fault (500), and 503 while not accepting work. */
export const COMMON_ERRORS: readonly ErrorStatus[] = [400, 500, 503];
