/**
 * A TCP proxy on a free loopback port in front of a real server, which cuts a connection once it
 * has passed `cutAfterBytes` bytes from the server to the client: a network failure mid-download,
 * between real parts, without touching the server.
 */
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';

export interface TcpCutProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** How many connections were cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

export interface TcpCutProxyOptions {
  /** Server-to-client bytes a connection may carry before it is cut. */
  readonly cutAfterBytes: number;
  /** How many connections to cut; later ones pass untouched (default: all). */
  readonly maxCuts?: number;
}

/** Starts the proxy in front of `target` (`http://host:port`). */
export async function startTcpCutProxy(target: string, options: TcpCutProxyOptions): Promise<TcpCutProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let cuts = 0;
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    const cutThis = cuts < (options.maxCuts ?? Number.POSITIVE_INFINITY);
    let passed = 0;
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (cutThis && passed + chunk.length > options.cutAfterBytes) {
        client.write(chunk.subarray(0, Math.max(0, options.cutAfterBytes - passed)));
        cuts += 1;
        // resetAndDestroy sends RST, as a dropped route or a killed peer would look to the client.
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      passed += chunk.length;
      client.write(chunk);
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    get cuts() {
      return cuts;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
