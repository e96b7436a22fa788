/**
 * The HTTP floor: a bare Fastify server that parses the same V2 JSON body Berth gets and answers a
 * fixed V2 response of the same shape. No model, no validation: what any Node JSON server pays.
 * Run as `node floor-server.js <port> <rows> <outputName>`; logs "listening <url>".
 */
import Fastify from 'fastify';

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 0);
  const rows = Number(process.argv[3] ?? 1);
  const outputName = process.argv[4] ?? 'score';
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  const answer = JSON.stringify({
    model_name: 'floor',
    model_version: '1',
    outputs: [{ name: outputName, datatype: 'FP32', shape: [rows, 1], data: new Array(rows).fill(0.5) }],
  });
  let parsed = 0;
  app.post<{ Params: { model: string }; Body: { inputs?: unknown[] } }>(
    '/v2/models/:model/infer',
    async (request, reply) => {
      // Touch the parsed body so the work cannot be skipped.
      parsed += request.body.inputs?.length ?? 0;
      return reply.type('application/json').send(answer);
    },
  );
  app.get('/v2/health/ready', async () => ({ ready: true, parsed }));
  const url = await app.listen({ host: '127.0.0.1', port });
  console.log(`listening ${url}`);
  const stop = (): void => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exitCode = 1;
});
