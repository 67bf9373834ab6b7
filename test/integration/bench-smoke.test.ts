import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** dist/test/integration -> repository root. */
const ROOT = join(__dirname, '..', '..', '..');

interface QuickResult {
  readonly errors: number;
  readonly failures: readonly unknown[];
  readonly cases: ReadonlyArray<{ readonly id: string; readonly paths: ReadonlyArray<{ readonly name: string; readonly median: { readonly completed: number; readonly errors: number; readonly non2xx: number } }> }>;
}

// Issue 5 item 6: the benchmark's smoke run in CI. Every default scenario once, briefly, against
// the real engine, stubs and bare hop; it must complete requests on every path with zero errors.
// No timing is asserted (this machine is shared and noisy).
test('bench --quick: every default scenario completes requests on every path with zero errors', { timeout: 180_000 }, async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [join(ROOT, 'dist', 'bench', 'run.js'), '--quick'], { cwd: ROOT, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 }, (err, out, errOut) => {
      resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), stdout: out, stderr: errOut });
    });
    child.stdin?.end();
  });
  assert.equal(code, 0, `bench --quick exited ${code}\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`);
  const result = JSON.parse(readFileSync(join(ROOT, 'bench', 'results', 'quick.json'), 'utf8')) as QuickResult;
  assert.equal(result.errors, 0);
  assert.deepEqual(result.failures, []);
  assert.ok(result.cases.length >= 8, `only ${result.cases.length} cases ran`);
  for (const c of result.cases) {
    for (const path of c.paths) {
      assert.ok(path.median.completed > 0, `${c.id} ${path.name} completed nothing`);
      assert.equal(path.median.errors + path.median.non2xx, 0, `${c.id} ${path.name} had failures`);
    }
  }
});
