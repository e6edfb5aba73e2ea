import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { SecretScanner } from './engine.js';
import { fingerprint } from './index.js';

/** A finding in a file or diff, with a line number and a masked preview (never the whole secret). */
export interface ScanFinding {
  file: string;
  line: number;
  column: number;
  ruleId: string;
  description: string;
  severity: string;
  preview: string;
  fingerprint: string;
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn', 'dist', 'build', '.venv', '__pycache__', '.next', 'target']);
const MAX_FILE = 4 * 1024 * 1024;

export function mask(secret: string): string {
  if (secret.length <= 8) return '*'.repeat(secret.length);
  return `${secret.slice(0, 4)}${'*'.repeat(Math.min(secret.length - 6, 20))}${secret.slice(-2)}`;
}

function isBinary(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).includes(0);
  } finally {
    closeSync(fd);
  }
}

/** Findings in one text; `lineOf` maps a line of the text to the line in its file (for diffs). */
export function scanText(scanner: SecretScanner, file: string, text: string, lineOf: (line: number) => number = (l) => l): ScanFinding[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const lineAt = (pos: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return scanner.scan(text).map((m) => {
    const l = lineAt(m.start);
    return { file, line: lineOf(l + 1), column: m.start - starts[l]! + 1, ruleId: m.ruleId, description: m.description, severity: m.severity, preview: mask(m.secret), fingerprint: fingerprint(m.secret) };
  });
}

/** Every regular, non-binary file under the given paths (directories walked, VCS and build dirs skipped). */
export function scanPaths(scanner: SecretScanner, paths: string[], base = process.cwd()): ScanFinding[] {
  const out: ScanFinding[] = [];
  const visit = (path: string) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new UserError(`cannot scan ${path}: no such file or directory`);
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!SKIP_DIRS.has(name)) visit(join(path, name));
      return;
    }
    if (!st.isFile() || st.size > MAX_FILE || st.size === 0 || isBinary(path)) return;
    out.push(...scanText(scanner, relative(base, path) || path, readFileSync(path, 'utf8')));
  };
  for (const p of paths) visit(resolve(base, p));
  // .env files are where the "known" secrets come from: finding them in their own file is not news.
  return out.filter((f) => !(f.ruleId === 'known-secret' && /(^|\/)\.env(\.[^/]*)?$/.test(f.file)));
}

/**
 * Added lines of a git diff (`--staged`, or against a revision), each attributed to its file and
 * line in the new version: what a commit would add, not what was already there.
 */
export function scanGitDiff(scanner: SecretScanner, repo: string, args: string[]): ScanFinding[] {
  const diff = spawnSync('git', ['-C', repo, 'diff', '--no-color', '--no-ext-diff', '-U0', ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (diff.status !== 0) throw new UserError(`git diff ${args.join(' ')} failed in ${repo}: ${(diff.stderr || '').trim().split('\n')[0] || 'not a git repository?'}`);
  const out: ScanFinding[] = [];
  let file = '';
  let newLine = 0;
  let added: string[] = [];
  let addedLines: number[] = [];
  const flush = () => {
    if (file && added.length > 0) {
      const lines = addedLines;
      out.push(...scanText(scanner, file, added.join('\n'), (l) => lines[l - 1] ?? 0));
    }
    added = [];
    addedLines = [];
  };
  for (const line of diff.stdout.split('\n')) {
    if (line.startsWith('+++ ')) {
      flush();
      file = line === '+++ /dev/null' ? '' : line.slice(6);
    } else if (line.startsWith('@@')) {
      const m = /\+(\d+)/.exec(line);
      newLine = m ? Number(m[1]) : 0;
    } else if (line.startsWith('+') && file) {
      added.push(line.slice(1));
      addedLines.push(newLine++);
    }
  }
  flush();
  return out;
}

/** Changes a session left in a git workspace: the diff against HEAD plus untracked files. */
export function scanWorkspaceChanges(scanner: SecretScanner, workspace: string): ScanFinding[] | undefined {
  const inside = spawnSync('git', ['-C', workspace, 'rev-parse', '--verify', '-q', 'HEAD'], { encoding: 'utf8' });
  if (inside.status !== 0) return undefined;
  const findings = scanGitDiff(scanner, workspace, ['HEAD']);
  const untracked = spawnSync('git', ['-C', workspace, 'ls-files', '--others', '--exclude-standard', '-z'], { encoding: 'utf8' });
  const files = untracked.stdout.split('\0').filter(Boolean);
  if (files.length > 0) findings.push(...scanPaths(scanner, files, workspace));
  return findings;
}

export function toSarif(findings: ScanFinding[], rules: { id: string; description: string }[]): unknown {
  const used = new Set(findings.map((f) => f.ruleId));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'glassbox', rules: rules.filter((r) => used.has(r.id)).map((r) => ({ id: r.id, shortDescription: { text: r.description } })) } },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          level: f.severity === 'high' ? 'error' : f.severity === 'medium' ? 'warning' : 'note',
          message: { text: `${f.description} (${f.preview})` },
          partialFingerprints: { secret: f.fingerprint },
          locations: [{ physicalLocation: { artifactLocation: { uri: f.file }, region: { startLine: f.line, startColumn: f.column } } }],
        })),
      },
    ],
  };
}
