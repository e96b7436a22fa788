/**
 * One frame of a terminal progress bar as a string, from numbers already formatted: pure, so the
 * layout (label, bar, percent, fields, fitted to the terminal's width) is tested without a TTY.
 */

/** What one frame shows: `pull m@1 [█████░░░░░] 50% 32.0 MiB/64.0 MiB 16.0 MiB/s ETA 2s`. */
export interface BarView {
  readonly label: string;
  /** Done share, 0..1; undefined when the total is unknown (no bar, no percent then). */
  readonly fraction: number | undefined;
  /** Shown after the percent, in order, space-separated. */
  readonly fields: readonly string[];
}

/** How wide the terminal is and whether colour may be used. */
export interface BarRenderOptions {
  /** The terminal's width (stream.columns). */
  readonly columns: number;
  /** Colour the filled part; false under NO_COLOR. */
  readonly color: boolean;
}

const FILLED = '█';
const EMPTY = '░';
const GREEN = '\x1b[32m';
const DEFAULT_FG = '\x1b[39m';
/** The bar shrinks to this before the label is cut, and is dropped below it. */
const MIN_BAR = 10;
const MAX_BAR = 30;
/** A label is cut no shorter than this (plus `…`): below it, the bar goes first. */
const MIN_LABEL = 12;

/** A frame at most `columns - 1` characters wide: writing the last column makes some terminals wrap. */
export function renderBar(view: BarView, options: BarRenderOptions): string {
  const width = Math.max(20, Math.floor(options.columns)) - 1;
  const fraction = view.fraction === undefined ? undefined : Math.min(1, Math.max(0, view.fraction));
  const percent = fraction === undefined ? '' : `${Math.floor(fraction * 100)}%`.padStart(4);
  const tail = [percent, ...view.fields].filter((part) => part.length > 0).join(' ');
  // `label [bar] tail`: the brackets and two spaces are 4 characters.
  const room = width - tail.length - 4;
  if (fraction !== undefined && room - MIN_BAR >= Math.min(view.label.length, MIN_LABEL + 1)) {
    const label = cut(view.label, room - MIN_BAR);
    const size = Math.min(MAX_BAR, room - label.length);
    const filled = Math.round(fraction * size);
    const full = FILLED.repeat(filled);
    const bar =
      (options.color && filled > 0 ? `${GREEN}${full}${DEFAULT_FG}` : full) + EMPTY.repeat(size - filled);
    return `${label} [${bar}] ${tail}`;
  }
  // Too narrow for a bar (or no total): the label and as much of the rest as fits.
  const rest = tail.trimStart(); // the percent is padded only to keep its place after a bar
  return cut(`${cut(view.label, Math.max(MIN_LABEL, width - rest.length - 1))} ${rest}`, width);
}

/** `text` in at most `max` characters, ending in `…` when cut. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 1 ? text.slice(0, Math.max(0, max)) : `${text.slice(0, max - 1)}…`;
}
