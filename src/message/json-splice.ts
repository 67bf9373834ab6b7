/**
 * Routing injection without re-serialising (Seldon re-serialised the whole answer, sorting keys and
 * rounding numbers, quirk 8): the JSON text is scanned, and only the value of `meta.routing` is
 * replaced or inserted. Every other byte the client receives is the child's.
 */

/**
 * Sets `meta.routing` in a JSON object text. Returns undefined when the text is not a JSON object
 * (the caller then leaves the body alone). A missing or null `meta` is created; a `meta` that is
 * neither an object nor null is left alone (undefined).
 */
export function setMetaRouting(text: string, routing: Readonly<Record<string, number>>): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  } catch {
    return undefined;
  }
  const value = JSON.stringify(routing);
  const top = skipWs(text, 0);
  const meta = findMember(text, top, 'meta');
  if (meta === undefined) return insertMember(text, top, `"meta":{"routing":${value}}`);
  const metaStart = skipWs(text, meta.valueStart);
  if (text.startsWith('null', metaStart)) return splice(text, metaStart, meta.valueEnd, `{"routing":${value}}`);
  if (text[metaStart] !== '{') return undefined;
  const routingMember = findMember(text, metaStart, 'routing');
  if (routingMember === undefined) return insertMember(text, metaStart, `"routing":${value}`);
  return splice(text, routingMember.valueStart, routingMember.valueEnd, value);
}

interface Member {
  readonly valueStart: number;
  readonly valueEnd: number;
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

/** Inserts `member` as the first member of the object starting at `open` (the `{`). */
function insertMember(text: string, open: number, member: string): string {
  const next = skipWs(text, open + 1);
  const empty = text[next] === '}';
  return splice(text, open + 1, open + 1, empty ? member : `${member},`);
}

/** Finds the last member named `key` of the object starting at `open` (JSON.parse keeps the last). */
function findMember(text: string, open: number, key: string): Member | undefined {
  let found: Member | undefined;
  let i = skipWs(text, open + 1);
  if (text[i] === '}') return undefined;
  for (;;) {
    const keyEnd = skipString(text, i);
    const name = JSON.parse(text.slice(i, keyEnd)) as string;
    const colon = skipWs(text, keyEnd);
    const valueStart = skipWs(text, colon + 1);
    const valueEnd = skipValue(text, valueStart);
    if (name === key) found = { valueStart, valueEnd };
    i = skipWs(text, valueEnd);
    if (text[i] !== ',') return found;
    i = skipWs(text, i + 1);
  }
}

function skipWs(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** `i` is at a `"`; returns the index after the closing quote. */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return text.length;
}

/** Returns the index after the JSON value starting at `i` (the text is known to be valid JSON). */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === '"') j = skipString(text, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  let j = i;
  while (j < text.length && !',}] \n\r\t'.includes(text[j] ?? '')) j++;
  return j;
}
