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
  const off = join(dir, 'off.yaml');
  const on = join(dir, 'on.yaml');
  const files = join(dir, 'files.yaml');
  writeFileSync(off, 'audit:\n  exec: false\n');
  writeFileSync(on, 'audit:\n  exec: true\n');
  writeFileSync(files, 'audit:\n  exec: true\n  files: true\n');
  const workloads: [string, string][] = [
    ['500 execs (for i in 1..500: /bin/true)', 'for i in $(seq 500); do /bin/true; done'],
    ['compute, no execs (bash loop of 300k)', 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'],
    ['3000 file opens (find /usr/share | cat)', 'find /usr/share -type f -name "*.gz" 2>/dev/null | head -3000 | xargs cat > /dev/null'],
  ];
  console.log('\nexec trail overhead (median of 5 runs each, whole glassbox run, ratio to trail off)');
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[2]!;
  for (const [name, script] of workloads) {
    const t = { off: [] as number[], on: [] as number[], files: [] as number[] };
    timeRun(off, ws, script); // warm the page cache
    for (let i = 0; i < 5; i++) {
      t.off.push(timeRun(off, ws, script));
      t.on.push(timeRun(on, ws, script));
      t.files.push(timeRun(files, ws, script));
    }
    const base = med(t.off);
    console.log(`${name.padEnd(42)} off ${base.toFixed(0).padStart(5)} ms   execs ${med(t.on).toFixed(0).padStart(5)} ms (${(med(t.on) / base).toFixed(2)}×)   execs+files ${med(t.files).toFixed(0).padStart(5)} ms (${(med(t.files) / base).toFixed(2)}×)`);
  }
}
