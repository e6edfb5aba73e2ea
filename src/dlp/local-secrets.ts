import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KNOWN_MIN, type KnownSecret } from './engine.js';

const CREDENTIAL_NAME = /(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIAL|AUTH|PRIVATE|SESSION|COOKIE|DSN|DATABASE_URL|CONN)/i;
const NOT_SECRET = /^(?:true|false|yes|no|on|off|null|none|undefined|\d+|https?:\/\/[^@]*|\/[\w/.-]*)$/i;

function plausible(value: string): boolean {
  return value.length >= KNOWN_MIN && !NOT_SECRET.test(value) && !/\s/.test(value.trim());
}

/** Credential-like variables of the host environment: the box never sees them, so they must never leave. */
export function hostEnvSecrets(env: NodeJS.ProcessEnv): KnownSecret[] {
  const out: KnownSecret[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || !CREDENTIAL_NAME.test(name) || !plausible(value)) continue;
    out.push({ value, label: `host env ${name}`, kind: 'known' });
  }
  return out;
}

/** Values in the workspace's .env files (top level and one directory down). */
export function dotenvSecrets(workspace: string): KnownSecret[] {
  const out: KnownSecret[] = [];
  const files: string[] = [];
  const look = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name === 'node_modules' || name === '.git') continue;
      const path = join(dir, name);
      if (/^\.env(?:\..+)?$/.test(name) && !/\.(?:example|sample|template|dist)$/.test(name)) files.push(path);
      else if (depth > 0) {
        try {
          if (statSync(path).isDirectory()) look(path, depth - 1);
        } catch {
          /* unreadable: skip */
        }
      }
    }
  };
  look(workspace, 1);
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
      if (!m) continue;
      const value = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
      if (plausible(value)) out.push({ value, label: `${file.slice(workspace.length + 1)} ${m[1]}`, kind: 'known' });
    }
  }
  return out;
}
