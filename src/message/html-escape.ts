/**
 * Go's `json.HTMLEscape` on bytes, which Seldon applies to every REST JSON answer (section 2.2):
 * `<`, `>`, `&`, U+2028 and U+2029 become `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`; every
 * other byte is kept. Returns the same Buffer when there is nothing to escape (the usual case, one
 * scan, no copy).
 */
export function htmlEscape(body: Buffer): Buffer {
  const first = firstEscapable(body, 0);
  if (first === -1) return body;
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = first; i !== -1; i = firstEscapable(body, i + 1)) {
    parts.push(body.subarray(start, i));
    const b = body[i];
    if (b === LT) parts.push(ESC_LT);
    else if (b === GT) parts.push(ESC_GT);
    else if (b === AMP) parts.push(ESC_AMP);
    else {
      // E2 80 A8 / E2 80 A9: U+2028 / U+2029
      parts.push(body[i + 2] === 0xa8 ? ESC_2028 : ESC_2029);
      i += 2;
    }
    start = i + 1;
  }
  parts.push(body.subarray(start));
  return Buffer.concat(parts);
}

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const ESC_LT = Buffer.from('\\u003c');
const ESC_GT = Buffer.from('\\u003e');
const ESC_AMP = Buffer.from('\\u0026');
const ESC_2028 = Buffer.from('\\u2028');
const ESC_2029 = Buffer.from('\\u2029');

function firstEscapable(body: Buffer, from: number): number {
  for (let i = from; i < body.length; i++) {
    const b = body[i];
    if (b === LT || b === GT || b === AMP) return i;
    if (b === 0xe2 && body[i + 1] === 0x80 && (body[i + 2] === 0xa8 || body[i + 2] === 0xa9)) return i;
  }
  return -1;
}
