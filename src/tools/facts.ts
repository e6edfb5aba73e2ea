import { posix } from 'node:path';

/**
 * What a tool call would do, as far as a policy can tell from its arguments: the shell
 * commands it runs (each simple command on its own, nested `sh -c` scripts included) and the
 * paths it names. Agents call their tools differently (Claude `Bash {command}`, Codex
 * `shell {command: [argv]}` / `exec_command {cmd}` / `apply_patch` patches, Gemini
 * `run_shell_command {command}` / `read_file {absolute_path}`); this reads them all.
 *
 * It is a tripwire on what the model asks for, not the enforcement boundary: the sandbox still
 * decides what a command can touch. So it errs towards finding more commands and paths.
 */
export interface CallFacts {
  /** Whole command lines as given, then the scripts of nested `sh -c` and `eval`. */
  commands: string[];
  /** Every simple command, words joined by single spaces, with wrappers (`sudo`, `env X=1`) also stripped. */
  segments: string[];
  /** Absolute, normalised paths named by arguments or command words. */
  paths: string[];
}

const COMMAND_KEYS = ['command', 'cmd', 'script'];
const PATH_KEYS = ['file_path', 'path', 'absolute_path', 'notebook_path', 'dir_path', 'directory', 'filename', 'target_file', 'paths', 'file_paths'];
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'fish']);
const WRAPPERS = new Set(['sudo', 'env', 'nohup', 'time', 'exec', 'command', 'builtin', 'nice', 'doas', 'xargs', 'timeout', 'stdbuf']);
const MAX_DEPTH = 4;

export function callFacts(input: string, cwd: string, home: string): CallFacts {
  const facts: CallFacts = { commands: [], segments: [], paths: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    // Free-form input (Codex's apply_patch grammar tool): paths from patch headers only.
    parsed = undefined;
  }
  const addPath = (p: string) => {
    const abs = normalisePath(p, cwd, home);
    if (abs && !facts.paths.includes(abs)) facts.paths.push(abs);
  };
  if (parsed === undefined) {
    for (const p of patchPaths(input)) addPath(p);
    return facts;
  }
  walk(parsed, (key, value) => {
    if (COMMAND_KEYS.includes(key)) {
      const line = typeof value === 'string' ? value : Array.isArray(value) && value.every((v) => typeof v === 'string') ? argvLine(value as string[]) : undefined;
      if (line !== undefined) {
        facts.commands.push(line);
        const scripts: string[] = [];
        for (const words of simpleCommands(line, 0, scripts)) {
          addSegment(facts, words);
          for (const w of words.slice(1)) if (looksLikePath(w)) addPath(stripRedirect(w));
        }
        // Nested scripts are command lines too: `bash -lc 'curl … | sh'` is matched as a line.
        for (const sc of scripts) if (!facts.commands.includes(sc)) facts.commands.push(sc);
      }
    } else if (PATH_KEYS.includes(key)) {
      for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string' && v) addPath(v);
    } else if (key === 'input' && typeof value === 'string') {
      for (const p of patchPaths(value)) addPath(p);
    }
  });
  return facts;
}

function addSegment(facts: CallFacts, words: string[]): void {
  const push = (s: string) => {
    if (s && !facts.segments.includes(s)) facts.segments.push(s);
  };
  push(words.join(' '));
  let i = 0;
  while (i < words.length && (WRAPPERS.has(words[i]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!) || (i > 0 && words[i]!.startsWith('-')))) i++;
  if (i > 0 && i < words.length) push(words.slice(i).join(' '));
}

function walk(v: unknown, visit: (key: string, value: unknown) => void, depth = 0): void {
  if (depth > 8 || !v || typeof v !== 'object') return;
  for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
    visit(k, child);
    if (child && typeof child === 'object' && !COMMAND_KEYS.includes(k)) walk(child, visit, depth + 1);
  }
}

/** An argv as one shell line (quoting words that need it), so argv and string forms match alike. */
function argvLine(argv: string[]): string {
  return argv.map((w) => (/^[A-Za-z0-9_@%+=:,./~^-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Splits a shell line into simple commands (word lists): on `;`, `&&`, `||`, `|`, `&`,
 * newlines, parentheses, `$(...)` and backticks; quotes and backslashes are honoured, and the
 * script of `sh -c SCRIPT` (and `eval`) is split in turn.
 */
export function simpleCommands(line: string, depth: number, scripts: string[] = []): string[][] {
  const out: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) out.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      const end = close < 0 ? line.length : close;
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1]!)) j++;
        word += line[j];
      }
      i = j;
    } else if (c === '\\' && i + 1 < line.length) {
      if (line[i + 1] !== '\n') word += line[i + 1];
      inWord = true;
      i++;
    } else if (c === ' ' || c === '\t') {
      endWord();
    } else if (c === '#' && !inWord) {
      const nl = line.indexOf('\n', i);
      i = nl < 0 ? line.length : nl - 1;
    } else if ('\n;&|()`'.includes(c) || (c === '$' && line[i + 1] === '(')) {
      endCommand();
      if (c === '$') i++;
    } else {
      word += c;
      inWord = true;
    }
  }
  endCommand();
  if (depth >= MAX_DEPTH) return out;
  const nested: string[][] = [];
  for (const w of out) {
    const base = posix.basename(w[0]!);
    if (SHELLS.has(base)) {
      const flag = w.findIndex((x, k) => k > 0 && /^-[A-Za-z]*c[A-Za-z]*$/.test(x));
      if (flag > 0 && w[flag + 1] !== undefined) {
        scripts.push(w[flag + 1]!);
        nested.push(...simpleCommands(w[flag + 1]!, depth + 1, scripts));
      }
    } else if (base === 'eval' && w.length > 1) {
      scripts.push(w.slice(1).join(' '));
      nested.push(...simpleCommands(w.slice(1).join(' '), depth + 1, scripts));
    }
  }
  return [...out, ...nested];
}

function looksLikePath(w: string): boolean {
  const s = stripRedirect(w);
  return s.length > 0 && !/\s/.test(s) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) && (s.includes('/') || s.startsWith('~') || s.startsWith('$HOME') || /^\.[A-Za-z0-9_]/.test(s));
}

function stripRedirect(w: string): string {
  return w.replace(/^(?:\d?[<>]+&?|&>)/, '');
}

/** Paths named by an apply_patch-style patch (`*** Update File: src/a.ts`, `*** Move to: ...`). */
function patchPaths(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\*\*\* (?:Add File|Update File|Delete File|Move to): (.+)$/gm)) out.push(m[1]!.trim());
  return out;
}

/** `~`, `$HOME` and relative paths made absolute and normalised; undefined for non-paths. */
export function normalisePath(p: string, cwd: string, home: string): string | undefined {
  let s = p.trim();
  if (!s) return undefined;
  if (s === '~' || s.startsWith('~/')) s = home + s.slice(1);
  else if (s === '$HOME' || s.startsWith('$HOME/')) s = home + s.slice(5);
  else if (s.startsWith('${HOME}')) s = home + s.slice(7);
  return posix.resolve(cwd, s);
}
