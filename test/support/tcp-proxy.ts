/**
 * A real TCP proxy on 127.0.0.1 for fault injection between real parts: it relays bytes to a
 * target server and, when told, cuts connections after a number of bytes from the server, or
 * goes down (the port refuses connections: ECONNREFUSED) until brought back up.
 */
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** Counters a test can assert on. */
export interface TcpProxyStats {
  /** Connections accepted (and relayed) so far. */
  connections: number;
  /** Connections cut by cutAfter. */
  cuts: number;
  /** Bytes relayed from the server to clients. */
  bytesToClients: number;
}

/** A running proxy: the port to connect to instead of the target's, and its fault switches. */
export interface TcpProxy {
  readonly port: number;
  readonly stats: TcpProxyStats;
  /**
   * The next `times` connections (or ones already open) are cut once `bytes` bytes have gone from
   * the server to the client through them, counted from this call. The client receives exactly
   * those bytes, then the connection closes (FIN; 'reset' sends an RST instead).
   */
  cutAfter(bytes: number, options?: { times?: number; how?: 'close' | 'reset' }): void;
  /** Stops listening and drops every open connection: new connections are refused until up(). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

interface CutRule {
  readonly bytes: number;
  readonly how: 'close' | 'reset';
  times: number;
}

/** Starts a proxy to `target` (a server on 127.0.0.1) on an ephemeral port. */
export async function startTcpProxy(target: { port: number; host?: string }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  const stats: TcpProxyStats = { connections: 0, cuts: 0, bytesToClients: 0 };
  const open = new Set<{ client: Socket; upstream: Socket; sinceRule: number }>();
  let rule: CutRule | undefined;

  const relay = (client: Socket): void => {
    stats.connections += 1;
    const upstream = connect({ port: target.port, host });
    const link = { client, upstream, sinceRule: 0 };
    let cutting = false;
    open.add(link);
    const drop = (): void => {
      open.delete(link);
      upstream.destroy();
      if (!cutting) client.destroy(); // a cut client first gets the bytes it is owed, then FIN/RST
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (cutting) return;
      const active = rule;
      let bytes = chunk;
      let cut = false;
      if (active !== undefined && active.times > 0 && link.sinceRule + bytes.byteLength >= active.bytes) {
        bytes = bytes.subarray(0, Math.max(0, active.bytes - link.sinceRule));
        cut = true;
      }
      link.sinceRule += bytes.byteLength;
      stats.bytesToClients += bytes.byteLength;
      if (!cut) {
        // Backpressure: pause the server while the client is slow.
        if (!client.write(bytes)) {
          upstream.pause();
          client.once('drain', () => upstream.resume());
        }
        return;
      }
      active!.times -= 1;
      if (active!.times === 0) rule = undefined;
      stats.cuts += 1;
      cutting = true;
      open.delete(link);
      upstream.destroy();
      if (active!.how === 'reset') {
        client.write(bytes, () => client.resetAndDestroy());
      } else {
        client.end(bytes);
      }
    });
    upstream.on('end', () => client.end());
  };

  let server: Server = createServer(relay);
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  let listening = true;

  const stop = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((done) => server.close(() => done()));
    for (const link of open) {
      link.client.destroy();
      link.upstream.destroy();
    }
    open.clear();
    await closed;
  };

  return {
    port,
    stats,
    cutAfter(bytes, options = {}) {
      rule = { bytes, how: options.how ?? 'close', times: options.times ?? 1 };
      for (const link of open) link.sinceRule = 0;
    },
    down: stop,
    async up() {
      if (listening) return;
      server = createServer(relay);
      await listen(server, port);
      listening = true;
    },
    close: stop,
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
}
