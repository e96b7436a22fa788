/**
 * Short renderings of request values for error messages. JSON.stringify would walk the whole value
 * only for the message to keep 60 characters of it, and a hostile body nested 10,000 deep overflows
 * the call stack on the way; this stops writing at the budget, so its recursion is bounded by it too.
 */

/** The value as JSON text, cut to `maxChars` (with "…"); `undefined` reads "nothing". */
export function previewJson(value: unknown, maxChars = 60): string {
  if (value === undefined) return 'nothing';
  const parts: string[] = [];
  let room = maxChars;
  let cut = false;
  const push = (text: string): boolean => {
    if (text.length > room) {
      parts.push(text.slice(0, room));
      room = 0;
      cut = true;
      return false;
    }
    parts.push(text);
    room -= text.length;
    return true;
  };
  // Every level writes at least one character, so the depth never exceeds the budget.
  const write = (node: unknown): boolean => {
    if (Array.isArray(node)) {
      if (!push('[')) return false;
      for (let index = 0; index < node.length; index += 1) {
        if ((index > 0 && !push(',')) || !write(node[index])) return false;
      }
      return push(']');
    }
    if (typeof node === 'object' && node !== null) {
      if (!push('{')) return false;
      let first = true;
      for (const key in node) {
        if (!Object.hasOwn(node, key)) continue;
        const entry = (node as Record<string, unknown>)[key];
        if ((!first && !push(',')) || !push(`${scalar(key, room)}:`) || !write(entry)) return false;
        first = false;
      }
      return push('}');
    }
    return push(scalar(node, room));
  };
  write(value);
  return cut ? `${parts.join('')}…` : parts.join('');
}

function scalar(value: unknown, room: number): string {
  if (typeof value === 'string') return JSON.stringify(value.length > room ? value.slice(0, room) : value);
  if (typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}
