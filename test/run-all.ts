/**
 * `npm test` runs this: every compiled test file under dist/test with Node's test runner, one file at
 * a time. The files are listed here because Node 21+ no longer expands a folder given to `--test`
 * (Node 20 did, and ran the helper files as tests too), and finding none is a failure, not an empty
 * pass.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.isFile() && entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const files = testFiles(__dirname).map((f) => relative(process.cwd(), f)).sort();
if (files.length === 0) {
  console.error(`npm test: no *.test.js file under ${__dirname}; did the build run?`);
  process.exit(1);
}
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
if (run.error !== undefined) console.error(`npm test: could not start the test runner: ${run.error.message}`);
process.exit(run.status ?? 1);
