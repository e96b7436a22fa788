/**
 * An AbortSignal for "the client is gone": the response closed before it was sent (socket reset,
 * client timeout, Ctrl-C). Passed to DataPlane.infer, it drops a request that still waits in a
 * queue, as a gRPC cancel does. The response's 'close', not the request's: the request emits
 * 'close' as soon as its body has been read.
 */
import type { FastifyReply } from 'fastify';

/** Aborts when `reply` closes unfinished; already aborted if the connection is gone. */
export function disconnectSignal(reply: FastifyReply): AbortSignal {
  const response = reply.raw;
  const controller = new AbortController();
  if (response.destroyed) controller.abort();
  else
    response.once('close', () => {
      if (!response.writableFinished) controller.abort();
    });
  return controller.signal;
}
