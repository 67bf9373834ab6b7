import assert from 'node:assert/strict';
import { ConfigError, type ConfigSource } from '../../../src/config';

/** An in-memory ConfigSource for the config tests: never the real environment or file system. */
export function fakeSource(argv: string[], env: Record<string, string | undefined> = {}, files: Record<string, string> = {}): ConfigSource {
  return {
    argv,
    env,
    readFile(path: string): string {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
  };
}

/** Asserts that `fn` throws a ConfigError whose message contains every one of `parts`. */
export function assertConfigError(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    for (const part of parts) assert.ok(err.message.includes(part), `${JSON.stringify(err.message)} lacks ${JSON.stringify(part)}`);
    return true;
  });
}
