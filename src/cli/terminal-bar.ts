/**
 * Draws one progress bar on a terminal: redrawn in place at most 10 times a second (on the
 * injected clock), fitted to the terminal's width, with lines printed above it without breaking it,
 * and ended by replacing it with one line. The cursor is hidden while the bar shows and restored
 * when it ends, also on SIGINT / SIGTERM and at exit, so an interrupted command leaves no hidden
 * cursor or half-drawn bar behind.
 */
import { Writable } from 'node:stream';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { renderBar, type BarView } from './bar-render.js';

/** 10 redraws a second: smooth to the eye, cheap on a slow terminal or over ssh. */
export const BAR_REDRAW_MS = 100;

const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
/** Back to the line's start and clear it (ECMA-48 CR + EL). */
const CLEAR_LINE = '\r\x1b[K';

/** The terminal the bar is drawn on. */
export type BarStream = Writable & { isTTY?: boolean; columns?: number };

/** The part of `process` the bar uses to restore the terminal on a signal; tests pass a fake. */
export interface SignalHost {
  readonly pid: number;
  prependListener(event: 'exit', listener: (code: number) => void): unknown;
  prependListener(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(event: 'exit', listener: (code: number) => void): unknown;
  removeListener(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  listenerCount(event: 'SIGINT' | 'SIGTERM'): number;
  kill(pid: number, signal: NodeJS.Signals): unknown;
}

/** Where to draw, on which clock, and whether colour may be used. */
export interface TerminalBarOptions {
  readonly stream: BarStream;
  readonly clock?: Pick<Clock, 'now'>;
  /** Colour the filled part of the bar (see colorAllowed). */
  readonly color?: boolean;
  /** process when absent. */
  readonly signals?: SignalHost;
}

/** True where a redrawn bar makes sense: a TTY that understands cursor control (not TERM=dumb). */
export function isInteractive(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Colour unless NO_COLOR is set to anything non-empty (https://no-color.org). */
export function colorAllowed(env: NodeJS.ProcessEnv): boolean {
  return env.NO_COLOR === undefined || env.NO_COLOR === '';
}

/** One bar on one terminal; after `end` it draws nothing more. */
export class TerminalBar {
  readonly #stream: BarStream;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #color: boolean;
  readonly #signals: SignalHost;
  #view: BarView | undefined;
  #shown = false;
  #ended = false;
  #lastDraw = 0;

  constructor(options: TerminalBarOptions) {
    this.#stream = options.stream;
    this.#clock = options.clock ?? systemClock;
    this.#color = options.color ?? false;
    this.#signals = options.signals ?? process;
  }

  /** Whether the bar is on screen now. */
  get shown(): boolean {
    return this.#shown;
  }

  /** Takes the latest state; redraws unless the last redraw was under BAR_REDRAW_MS ago (or `force`). */
  draw(view: BarView, force = false): void {
    if (this.#ended) return;
    this.#view = view;
    const now = this.#clock.now();
    if (this.#shown && !force && now - this.#lastDraw < BAR_REDRAW_MS) return;
    if (!this.#shown) {
      this.#shown = true;
      this.#stream.write(HIDE_CURSOR);
      this.#signals.prependListener('SIGINT', this.#onSignal);
      this.#signals.prependListener('SIGTERM', this.#onSignal);
      this.#signals.prependListener('exit', this.#onSignal);
    }
    this.#lastDraw = now;
    this.#paint();
  }

  /** Prints `text` (whole lines) above the bar, which is put back under it. */
  print(text: string): void {
    if (this.#ended || !this.#shown) {
      this.#stream.write(text);
      return;
    }
    this.#stream.write(`${CLEAR_LINE}${text}`);
    this.#paint();
  }

  /** A stream whose writes (log lines) go through `print`, for a logger writing while the bar shows. */
  passthrough(): Writable {
    return new Writable({
      write: (chunk: Buffer | string, _encoding, done) => {
        this.print(chunk.toString());
        done();
      },
    });
  }

  /** Clears the bar, writes `line` (when given) in its place and shows the cursor again. */
  end(line?: string): void {
    if (!this.#ended && this.#shown) {
      this.#stream.write(`${CLEAR_LINE}${SHOW_CURSOR}`);
      this.#signals.removeListener('SIGINT', this.#onSignal);
      this.#signals.removeListener('SIGTERM', this.#onSignal);
      this.#signals.removeListener('exit', this.#onSignal);
    }
    this.#ended = true;
    // Also after a signal ended the bar: the command's own closing line (it failed) still shows.
    if (line !== undefined) this.#stream.write(`${line}\n`);
  }

  #paint(): void {
    if (this.#view === undefined) return;
    const columns = this.#stream.columns || 80; // read at each frame (a resize is followed); 0 on a sizeless pty
    this.#stream.write(`${CLEAR_LINE}${renderBar(this.#view, { columns, color: this.#color })}`);
  }

  /**
   * Restores the terminal. Listening to a signal turns off Node's default (exit), so when no
   * other listener (the command's own abort) is left, the signal is raised again to exit as usual.
   * The listener is prepended, so a command's `once` listener still counts when this runs.
   */
  readonly #onSignal = (signal: NodeJS.Signals | number): void => {
    this.end();
    if ((signal === 'SIGINT' || signal === 'SIGTERM') && this.#signals.listenerCount(signal) === 0)
      this.#signals.kill(this.#signals.pid, signal);
  };
}
