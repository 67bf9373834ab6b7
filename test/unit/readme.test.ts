import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, GRPC } from '../../src/errors';
import { ENV_VARS, FLAGS } from '../../src/config/flags';

/** README's tables are documentation users rely on: they must list exactly what the code has. */
const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
const grpcName = (code: number): string => Object.entries(GRPC).find(([, v]) => v === code)?.[0] ?? '?';

test('the error table lists exactly the error codes, with their HTTP and gRPC status and meaning', () => {
  const section = readme.slice(readme.indexOf('## Errors'), readme.indexOf('## Metrics'));
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\| `([A-Z_]+)` \| ([^|]+) \| ([^|]+) \| (.*) \|$/.exec(line);
    if (m?.[1] !== undefined) rows.set(m[1], [(m[2] ?? '').trim(), (m[3] ?? '').trim(), (m[4] ?? '').trim()]);
  }
  assert.deepEqual([...rows.keys()].sort(), Object.keys(ERROR_CODES).sort());
  for (const [code, kind] of Object.entries(ERROR_CODES)) {
    const row = rows.get(code) ?? [];
    // A child's status: the HTTP one passes through, the gRPC one is mapped (kind.grpc is only the fallback).
    assert.equal(row[0], kind.http === 0 ? "child's" : String(kind.http), `HTTP status of ${code}`);
    assert.equal(row[1], kind.http === 0 ? 'mapped' : grpcName(kind.grpc), `gRPC status of ${code}`);
    // The README may add detail after the meaning, never say something else.
    assert.ok(row[2]?.startsWith(kind.meaning), `meaning of ${code}: README has "${row[2]}", codes.ts "${kind.meaning}"`);
  }
});

test('every flag and environment variable is documented', () => {
  for (const flag of FLAGS) assert.ok(readme.includes(`\`--${flag.name}\``), `README does not document --${flag.name}`);
  for (const [name] of ENV_VARS) assert.ok(readme.includes(`\`${name}\``), `README does not document ${name}`);
});
