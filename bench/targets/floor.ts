/** The HTTP floor as a target: floor-server.js answering a fixed V2 response. */
import { join } from 'node:path';
import { startProcess } from '../lib/child.js';
import { compiledBenchDir } from '../lib/paths.js';
import { lastLines, waitUntilServing } from './probe.js';
import { TargetUnavailable, type RunningTarget, type Target } from './types.js';

export const floorTarget: Target = {
  id: 'floor-json',
  label: 'HTTP floor (bare Fastify, parses the JSON, fixed answer)',
  group: 'floor',
  protocol: 'json',
  async start(ctx) {
    const script = join(compiledBenchDir(), 'floor-server.js');
    const args = [script, '0', String(ctx.payloads.rows), ctx.model.outputName];
    const proc = startProcess(`floor:${ctx.model.name}`, process.execPath, args, {
      logFile: join(ctx.logDir, `${ctx.model.name}-floor.log`),
    });
    try {
      const line = await proc
        .waitForLine((text) => text.startsWith('listening '), 30_000)
        .catch((error: Error) => {
          throw new TargetUnavailable(
            `floor server did not start: ${error.message}: ${lastLines(proc.tail())}`,
          );
        });
      const running: RunningTarget = { process: proc, httpUrl: line.slice('listening '.length), notes: [] };
      // The fixed answer has the real output size, so the same probe applies.
      await waitUntilServing('json', running, ctx.model, ctx.payloads, 10_000);
      return running;
    } catch (error) {
      await proc.stop();
      throw error;
    }
  },
};
