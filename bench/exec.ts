/**
 * The exec trail's cost: the same exec-heavy and compute-only workloads inside `glassbox run`
 * with the trail on and off, in one run. Prints the ratio (on / off).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function timeRun(policy: string, ws: string, script: string): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(repo, 'bin', 'glassbox.js'), 'run', '-q', '--policy', policy, '--workspace', ws, '--', 'bash', '-c', script], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`workload failed (${r.status})`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export async function benchExec(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-exec-'));
  const ws = join(dir, 'ws');
  spawnSync('mkdir', ['-p', ws]);
  const on = join(dir, 'on.yaml');
  const off = join(dir, 'off.yaml');
  writeFileSync(on, 'audit:\n  exec: true\n');
  writeFileSync(off, 'audit:\n  exec: false\n');
  const workloads: [string, string][] = [
    ['500 execs (for i in 1..500: /bin/true)', 'for i in $(seq 500); do /bin/true; done'],
    ['compute, no execs (bash loop of 300k)', 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'],
  ];
  console.log('\nexec trail overhead (median of 5 runs each, whole glassbox run)');
  for (const [name, script] of workloads) {
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 5; i++) {
      b.push(timeRun(off, ws, script));
      a.push(timeRun(on, ws, script));
    }
    const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[2]!;
    console.log(`${name.padEnd(42)} trail off ${med(b).toFixed(0).padStart(6)} ms   on ${med(a).toFixed(0).padStart(6)} ms   ratio ${(med(a) / med(b)).toFixed(2)}×`);
  }
}
