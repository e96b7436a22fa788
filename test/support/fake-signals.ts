/** A stand-in for `process` as the terminal bar sees it: signals are emitted by hand, kill is recorded. */
import { EventEmitter } from 'node:events';
import type { SignalHost } from '../../src/cli/terminal-bar.js';

export interface FakeSignals extends SignalHost, Pick<EventEmitter, 'emit' | 'once'> {
  /** Signals the bar raised again (to exit as Node would have). */
  readonly killed: string[];
}

export function fakeSignals(): FakeSignals {
  const emitter = new EventEmitter();
  const killed: string[] = [];
  return Object.assign(emitter, {
    pid: 4242,
    killed,
    kill: (_pid: number, signal: string) => killed.push(signal),
  }) as unknown as FakeSignals;
}
