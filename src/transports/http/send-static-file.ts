/**
 * Answers a request for one of a page's shipped files: the file, or a 404 naming the page for a name
 * it does not ship (never a path on disk: only the names in the table exist).
 */
import type { FastifyReply } from 'fastify';
import { BerthError } from '../../core/errors.js';
import type { StaticFiles } from '../../server/static-files.js';

export function staticFileSender(
  files: StaticFiles<string>,
  page: string,
): (name: string, reply: FastifyReply) => Promise<FastifyReply> {
  return async (name, reply) => {
    if (!files.has(name)) throw new BerthError('ROUTE_NOT_FOUND', `no ${page} file "${name}"`);
    const file = await files.read(name);
    // Revalidated on each load, so a page after an upgrade never mixes old and new files.
    return reply.type(file.contentType).header('cache-control', 'no-cache').send(file.body);
  };
}
