/**
 * A JSON reader for the V2 `$inference_request` text (RFC 8259 grammar) that reads each numeric
 * `inputs[i].data` list straight into a Float64Array, nested lists flattened as it goes, so V8 never
 * builds an array of boxed numbers that the codec then copies. Everything else becomes plain JS
 * values, exactly as JSON.parse would make them. Anything it does not cover (a non-number in `data`,
 * escapes it cannot slice, `__proto__` keys, deep nesting, any syntax error) throws
 * ScanFallback: the caller then uses JSON.parse, whose result and errors are the reference.
 */
import { MAX_TENSOR_RANK } from '../../core/tensor.js';

/** Numbers of one `data` list, flattened row-major as the existing codec flattens them. */
export class ScannedNumbers {
  constructor(readonly values: Float64Array) {}
}

/** Thrown when the text needs JSON.parse: unsupported content or invalid JSON. */
class ScanFallback extends Error {}

const FALLBACK = new ScanFallback('fall back to JSON.parse');
// Deeper values are legal JSON but never part of a sane request; JSON.parse handles them.
const MAX_DEPTH = 32;
// 10^0..10^22 are exact doubles: Clinger's fast path (m·10^e or m/10^e rounds once, correctly).
const POW10 = Array.from({ length: 23 }, (_, e) => Number(`1e${e}`));
const MAX_FAST_DIGITS = 15;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

// One growable scratch buffer for the numbers of the list being read; each finished list is copied
// out at its exact length. Decoding is synchronous, so one module-level buffer cannot be shared.
let scratch = new Float64Array(1024);

/** Parses `text` as JSON, with `inputs[i].data` number lists as ScannedNumbers; throws ScanFallback. */
export function scanInferRequest(text: string): unknown {
  const scanner = new Scanner(text);
  scanner.skipWhitespace();
  const value = scanner.peek() === OPEN_BRACE ? scanner.object(0, 'request') : scanner.value(0);
  scanner.skipWhitespace();
  if (scanner.pos !== text.length) throw FALLBACK;
  return value;
}

type Context = 'request' | 'inputs' | 'input' | 'other';

class Scanner {
  pos = 0;
  constructor(private readonly text: string) {}

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  skipWhitespace(): void {
    this.pos = skipWhitespace(this.text, this.pos);
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw FALLBACK;
    const code = this.peek();
    if (code === OPEN_BRACE) return this.object(depth, 'other');
    if (code === OPEN_BRACKET) return this.array(depth, 'other');
    if (code === QUOTE) return this.string();
    if (code === MINUS || (code >= ZERO && code <= NINE)) return this.number();
    return this.literal();
  }

  object(depth: number, context: Context): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos += 1;
    this.skipWhitespace();
    if (this.peek() === CLOSE_BRACE) {
      this.pos += 1;
      return result;
    }
    for (;;) {
      if (this.peek() !== QUOTE) throw FALLBACK;
      const key = this.string();
      // Assignment would set the prototype where JSON.parse makes an own property.
      if (key === '__proto__') throw FALLBACK;
      this.skipWhitespace();
      if (this.peek() !== COLON) throw FALLBACK;
      this.pos += 1;
      this.skipWhitespace();
      const code = this.peek();
      if (context === 'request' && key === 'inputs' && code === OPEN_BRACKET) {
        result[key] = this.array(depth + 1, 'inputs');
      } else if (context === 'input' && key === 'data' && code === OPEN_BRACKET) {
        result[key] = this.numbers();
      } else {
        result[key] = this.value(depth + 1);
      }
      this.skipWhitespace();
      const next = this.peek();
      this.pos += 1;
      if (next === CLOSE_BRACE) return result;
      if (next !== COMMA) throw FALLBACK;
      this.skipWhitespace();
    }
  }

  array(depth: number, context: Context): unknown[] {
    const result: unknown[] = [];
    this.pos += 1;
    this.skipWhitespace();
    if (this.peek() === CLOSE_BRACKET) {
      this.pos += 1;
      return result;
    }
    for (;;) {
      const item =
        context === 'inputs' && this.peek() === OPEN_BRACE
          ? this.object(depth + 1, 'input')
          : this.value(depth + 1);
      result.push(item);
      this.skipWhitespace();
      const next = this.peek();
      this.pos += 1;
      if (next === CLOSE_BRACKET) return result;
      if (next !== COMMA) throw FALLBACK;
      this.skipWhitespace();
    }
  }

  /**
   * A `data` list: flat numbers, or nested lists when the first item is a list (tensor-json.ts
   * flattens only then, at any depth up to MAX_TENSOR_RANK). A flat list with a list inside is an
   * error the codec reports, as is any non-number: both go to JSON.parse.
   */
  numbers(): ScannedNumbers {
    const text = this.text;
    let pos = this.pos + 1;
    let count = 0;
    let depth = 1;
    let topItems = 0;
    let nested = false;
    let code = text.charCodeAt(pos);
    // Whitespace is rare inside a data list: test for it before calling out.
    if (code <= 0x20) code = text.charCodeAt((pos = skipWhitespace(text, pos)));
    if (code === CLOSE_BRACKET) {
      this.pos = pos + 1;
      return new ScannedNumbers(new Float64Array(0));
    }
    for (;;) {
      // At the start of an item; `code` is its first character.
      if (depth === 1) topItems += 1;
      if (code === OPEN_BRACKET) {
        if (depth === 1 && topItems === 1) nested = true;
        else if (!nested) throw FALLBACK;
        depth += 1;
        if (depth > MAX_TENSOR_RANK) throw FALLBACK;
        code = text.charCodeAt((pos += 1));
        if (code <= 0x20) code = text.charCodeAt((pos = skipWhitespace(text, pos)));
        if (code !== CLOSE_BRACKET) continue;
      } else {
        if (count === scratch.length) {
          const grown = new Float64Array(scratch.length * 2);
          grown.set(scratch);
          scratch = grown;
        }
        scratch[count] = readNumber(text, pos);
        count += 1;
        pos = numberEnd;
        code = text.charCodeAt(pos);
        if (code <= 0x20) code = text.charCodeAt((pos = skipWhitespace(text, pos)));
      }
      // After an item: a comma starts the next one; each closing bracket ends a list.
      for (;;) {
        pos += 1;
        if (code === COMMA) break;
        if (code !== CLOSE_BRACKET) throw FALLBACK;
        depth -= 1;
        if (depth === 0) {
          this.pos = pos;
          return new ScannedNumbers(scratch.slice(0, count));
        }
        code = text.charCodeAt(pos);
        if (code <= 0x20) code = text.charCodeAt((pos = skipWhitespace(text, pos)));
      }
      code = text.charCodeAt(pos);
      if (code <= 0x20) code = text.charCodeAt((pos = skipWhitespace(text, pos)));
    }
  }

  number(): number {
    const value = readNumber(this.text, this.pos);
    this.pos = numberEnd;
    return value;
  }

  /** A string without escapes is a slice; one with escapes goes through JSON.parse of its literal. */
  string(): string {
    const text = this.text;
    const start = this.pos + 1;
    let pos = start;
    let escaped = false;
    for (;;) {
      const code = text.charCodeAt(pos);
      if (code === QUOTE) break;
      if (code === BACKSLASH) {
        escaped = true;
        pos += 2;
        continue;
      }
      // Control characters must be escaped (RFC 8259 §7); NaN is the end of the text.
      if (!(code >= 0x20)) throw FALLBACK;
      pos += 1;
    }
    this.pos = pos + 1;
    if (!escaped) return text.slice(start, pos);
    try {
      return JSON.parse(text.slice(start - 1, pos + 1)) as string;
    } catch {
      throw FALLBACK;
    }
  }

  literal(): boolean | null {
    const text = this.text;
    if (text.startsWith('true', this.pos)) {
      this.pos += 4;
      return true;
    }
    if (text.startsWith('false', this.pos)) {
      this.pos += 5;
      return false;
    }
    if (text.startsWith('null', this.pos)) {
      this.pos += 4;
      return null;
    }
    throw FALLBACK;
  }
}

let numberEnd = 0;

/**
 * The RFC 8259 number at `start`: exact fast path where it is exact, else Number() of the text.
 * Sets numberEnd (a module variable rather than a returned pair: no allocation per number).
 */
function readNumber(text: string, start: number): number {
  let pos = start;
  let negative = false;
  if (text.charCodeAt(pos) === MINUS) {
    negative = true;
    pos += 1;
  }
  let mantissa = 0;
  let digits = 0; // significant digits in mantissa (leading zeros not counted)
  let scale = 0; // decimal exponent adjustment from fraction digits
  let code = text.charCodeAt(pos);
  if (code === ZERO) {
    pos += 1;
    code = text.charCodeAt(pos);
  } else if (code > ZERO && code <= NINE) {
    do {
      mantissa = mantissa * 10 + (code - ZERO);
      digits += 1;
      pos += 1;
      code = text.charCodeAt(pos);
    } while (code >= ZERO && code <= NINE);
  } else {
    throw FALLBACK;
  }
  if (code === DOT) {
    pos += 1;
    code = text.charCodeAt(pos);
    if (!(code >= ZERO && code <= NINE)) throw FALLBACK;
    do {
      if (digits > 0 || code !== ZERO) {
        mantissa = mantissa * 10 + (code - ZERO);
        digits += 1;
      }
      scale -= 1;
      pos += 1;
      code = text.charCodeAt(pos);
    } while (code >= ZERO && code <= NINE);
  }
  let exponent = 0;
  if (code === 0x65 || code === 0x45) {
    pos += 1;
    code = text.charCodeAt(pos);
    let exponentNegative = false;
    if (code === MINUS || code === PLUS) {
      exponentNegative = code === MINUS;
      pos += 1;
      code = text.charCodeAt(pos);
    }
    if (!(code >= ZERO && code <= NINE)) throw FALLBACK;
    do {
      // Capped: past 10^6 the value is 0 or Infinity either way, and Number() decides which.
      if (exponent < 1e6) exponent = exponent * 10 + (code - ZERO);
      pos += 1;
      code = text.charCodeAt(pos);
    } while (code >= ZERO && code <= NINE);
    if (exponentNegative) exponent = -exponent;
  }
  numberEnd = pos;
  const power = exponent + scale;
  let value: number;
  if (digits <= MAX_FAST_DIGITS && power >= -22 && power <= 22) {
    value = power >= 0 ? mantissa * POW10[power]! : mantissa / POW10[-power]!;
  } else if (digits === 0) {
    value = 0;
  } else {
    return Number(text.slice(start, pos));
  }
  return negative ? -value : value;
}

function skipWhitespace(text: string, start: number): number {
  let pos = start;
  for (;;) {
    const code = text.charCodeAt(pos);
    if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) pos += 1;
    else return pos;
  }
}
