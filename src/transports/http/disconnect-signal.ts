/**
 * An AbortSignal for "the client is gone": the connection closed before the response was sent
 * (socket reset, client timeout, Ctrl-C). Passed to DataPlane.infer, it drops a request that still
 * waits in a queue, as a gRPC cancel does.
 *
 * One signal per connection, not per request: an AbortController costs several µs to make (more
 * than decoding a 256-float request, bench/results/request-path.md), and on HTTP/1.1 every request
 * still unanswered when its socket closes is one whose client left. Schedulers remove their abort
 * listeners when a request settles, so a keep-alive socket's signal does not collect them.
 */
import { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';

const bySocket = new WeakMap<Socket, AbortSignal>();

/** Aborts when the connection of `reply` closes; already aborted if the connection is gone. */
export function disconnectSignal(reply: FastifyReply): AbortSignal {
  const response = reply.raw;
  const socket = response.socket;
  if (response.destroyed || socket?.destroyed === true) return AbortSignal.abort();
  // In-process requests (fastify.inject) have no real socket: the response's own 'close' tells.
  if (!(socket instanceof Socket)) return responseSignal(reply);
  let signal = bySocket.get(socket);
  if (signal === undefined) {
    const controller = new AbortController();
    socket.once('close', () => controller.abort());
    signal = controller.signal;
    bySocket.set(socket, signal);
  }
  return signal;
}

/** The response closed before it finished: the client left. */
function responseSignal(reply: FastifyReply): AbortSignal {
  const response = reply.raw;
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}
