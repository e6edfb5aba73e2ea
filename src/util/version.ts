import { readFileSync } from 'node:fs';

/** Glassbox's own version, from the package.json beside dist/ (what OTLP and --version report). */
export function glassboxVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
