#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript under dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('glassbox: not built yet: run `npm run build` (or `npm test` / `npm run demo`, which build first)\n');
  process.exit(2);
}
await import(main);
