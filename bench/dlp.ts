/**
 * Secret scanning throughput on realistic prompts: our full rule set against secretlint's
 * recommended preset on the same input, in the same run. Goal: at least secretlint's MB/s with
 * at least 4x its rules.
 */
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretScanner } from '../src/dlp/engine.js';
import { BUILTIN_RULES } from '../src/dlp/rules.js';
import { buildCorpus } from '../test/dlp-corpus.js';

/** A prompt the way agents send them: source files read by tools, prose, a few secrets among them. */
function prompts(): string[] {
  const root = new URL('../../src', import.meta.url).pathname;
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.ts')) files.push(readFileSync(join(dir, e.name), 'utf8'));
    }
  };
  walk(root);
  const corpus = buildCorpus().map((f) => f.text);
  const out: string[] = [];
  for (let i = 0; i < 40; i++) {
    // Each prompt differs (a turn counter), so no cache helps either side.
    out.push(`Turn ${i}. Please review these files and fix the failing test.\n\n${files.slice(i % 7, (i % 7) + 12).join('\n\n')}\n\n${corpus[i % corpus.length]}\n`);
  }
  return out;
}

export async function benchDlp(): Promise<void> {
  const inputs = prompts();
  const bytes = inputs.reduce((n, s) => n + Buffer.byteLength(s), 0);
  const ours = async () => {
    const scanner = new SecretScanner(BUILTIN_RULES);
    let found = 0;
    for (const text of inputs) found += scanner.scan(text).length;
    return found;
  };
  const theirs = async () => {
    let found = 0;
    for (const text of inputs) {
      const r = await lintSource({ source: { filePath: '/prompt.txt', content: text, contentType: 'text' }, options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] } } });
      found += r.messages.length;
    }
    return found;
  };
  const time = async (fn: () => Promise<number>) => {
    await fn(); // warm-up
    const samples: number[] = [];
    let found = 0;
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      found = await fn();
      samples.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    samples.sort((a, b) => a - b);
    return { mbps: bytes / 1e6 / samples[2]!, found };
  };
  const a = await time(ours);
  const b = await time(theirs);
  const presetRules = (recommended as unknown as { rules: unknown[] }).rules.length;
  console.log(`\nsecret scanning, ${inputs.length} prompts, ${(bytes / 1e6).toFixed(1)} MB, median of 5`);
  console.log(`glassbox:   ${a.mbps.toFixed(1)} MB/s with ${BUILTIN_RULES.length} rules (${a.found} findings)`);
  console.log(`secretlint: ${b.mbps.toFixed(1)} MB/s with the recommended preset, ${presetRules} rules (${b.found} findings)`);
  console.log(`ratio: ${(a.mbps / b.mbps).toFixed(2)}× the throughput with ${(BUILTIN_RULES.length / presetRules).toFixed(1)}× the rules; goal ≥ 1× with ≥ 4×`);
}
