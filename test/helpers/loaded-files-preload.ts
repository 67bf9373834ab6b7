/**
 * Preloaded into an engine (`NODE_OPTIONS=--require=…`): when it exits, prints one line
 * `LOADED_FILES [...]` on stderr with every file it loaded from node_modules.
 */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const files = Object.keys(require.cache).filter((file) => file.includes('/node_modules/'));
  writeSync(2, `LOADED_FILES ${JSON.stringify(files)}\n`);
});
