import { readFileSync, writeFileSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { type Checkpoint, AuditStore, dataDir } from '../../audit/store.js';
import { verifyLog } from '../../audit/verify.js';
import { sendOtlp } from '../../audit/otlp.js';
import { glassboxVersion } from '../../util/version.js';
import { parseArgs } from '../args.js';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { paint } from '../../util/paint.js';


export function openStore(): AuditStore {
  const path = join(dataDir(), 'audit.db');
  if (!existsSync(path)) throw new UserError(`no audit log yet at ${path}; it is created by the first \`glassbox run\``);
  return AuditStore.open();
}

function resolveSession(store: AuditStore, prefix: string): string {
  const ids = store.sessions().map((s) => s.id).filter((id) => id.startsWith(prefix) || id.endsWith(prefix));
  if (ids.length === 0) throw new UserError(`no session matches ${JSON.stringify(prefix)}; \`glassbox log\` lists them`);
  if (ids.length > 1) throw new UserError(`${ids.length} sessions match ${JSON.stringify(prefix)}; give more of the id`);
  return ids[0]!;
}

/** `glassbox log`: the sessions on this machine. */
export function logCommand(argv: string[]): number {
  const { options } = parseArgs(argv, [{ name: 'json' }], 'log');
  const store = openStore();
  try {
    const rows = store.sessions().map((s) => {
      const events = store.sessionEvents(s.id);
      const denied = events.filter((e) => e.body?.decision === 'deny').length;
      const end = events.find((e) => e.kind === 'session.end')?.body as { egress?: { hosts?: Record<string, { bytesOut: number }> } } | undefined;
      const bytesOut = Object.values(end?.egress?.hosts ?? {}).reduce((n, h) => n + h.bytesOut, 0);
      return { id: s.id, started: s.started, ended: s.ended, status: s.status, exitCode: s.exitCode, command: JSON.parse(s.command) as string[], workspace: s.workspace, events: events.length, denied, bytesOut };
    });
    if (options.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(`${'SESSION'.padEnd(24)} ${'STATUS'.padEnd(9)} ${'EXIT'.padStart(4)} ${'EVENTS'.padStart(6)} ${'DENIED'.padStart(6)} ${'BYTES OUT'.padStart(10)}  COMMAND\n`);
    for (const r of rows) {
      const status = r.status === 'abnormal' ? paint('31', r.status.padEnd(9)) : r.status === 'running' ? paint('33', r.status.padEnd(9)) : r.status.padEnd(9);
      process.stdout.write(`${r.id.padEnd(24)} ${status} ${String(r.exitCode ?? '-').padStart(4)} ${String(r.events).padStart(6)} ${(r.denied ? paint('31', String(r.denied).padStart(6)) : '0'.padStart(6))} ${String(r.bytesOut).padStart(10)}  ${r.command.join(' ').slice(0, 60)}\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}

/** `glassbox show SESSION`: the session's timeline. */
export function showCommand(argv: string[]): number {
  const { options, positionals } = parseArgs(argv, [{ name: 'kind', value: 'an event kind (network, http, session.start, ...)' }, { name: 'denied' }, { name: 'json' }], 'show');
  if (positionals.length !== 1) throw new UserError('usage: glassbox show SESSION [--kind K] [--denied] [--json]');
  const store = openStore();
  try {
    const id = resolveSession(store, positionals[0]!);
    let events = store.sessionEvents(id);
    if (typeof options.kind === 'string') events = events.filter((e) => e.kind === options.kind);
    if (options.denied) events = events.filter((e) => e.body?.decision === 'deny');
    if (options.json) {
      process.stdout.write(JSON.stringify(events, null, 2) + '\n');
      return 0;
    }
    for (const e of events) {
      const b = e.body ?? {};
      const decision = b.decision === 'deny' ? paint('31', 'deny ') : b.decision === 'allow' ? paint('32', 'allow') : b.decision ? String(b.decision).padEnd(5) : '     ';
      const llm = b.llm as { api?: string; model?: string; toolCalls?: { name: string }[] } | undefined;
      const what =
        e.kind === 'filesystem'
          ? `${String(b.syscall)} ${((b.paths as string[] | undefined) ?? []).join(' → ')} refused: ${String(b.errno)}`
          : e.kind === 'exec'
          ? `${(b.argv as string[] | undefined)?.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ') ?? ''}  (${String(b.path)}, pid ${String(b.pid)})`
          : e.kind === 'tool'
          ? `${String(b.tool)} ${((b.commands as string[] | undefined) ?? [])[0] ?? ((b.paths as string[] | undefined) ?? []).join(' ')} — ${String(b.reason)}${b.approval ? ` (approval: ${String((b.approval as { status: string }).status)})` : ''}`
          : e.kind === 'approval'
          ? `${String(b.decision)} by ${String(b.by)}: ${String(b.summary)}`
          : e.kind === 'session.start'
          ? `${(b.command as string[] | undefined)?.join(' ')} in ${String(b.workspace)} (policy ${String(b.policyHash).slice(0, 12)})`
          : e.kind === 'session.end'
            ? `exit ${String(b.exitCode ?? '-')}${b.abnormal ? ' (abnormal: ' + String(b.reason) + ')' : ''}`
            : `${String(b.method ?? '')} ${String(b.host ?? b.target ?? '')}${b.port ? ':' + String(b.port) : ''}${b.path ? ' ' + String(b.path) : ''}${llm ? ` [${llm.api} ${llm.model ?? ''}${llm.toolCalls?.length ? ' tools: ' + llm.toolCalls.map((t) => t.name).join(',') : ''}]` : ''}${b.reason ? ' — ' + String(b.reason) : ''}`;
      process.stdout.write(`${String(e.seq).padStart(6)} ${e.ts.slice(11, 23)} ${e.kind.padEnd(13)} ${decision} ${what}${e.body === null ? paint('2', ' (body purged)') : ''}\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}

/** `glassbox verify [SESSION] [--checkpoint FILE] [--export-checkpoint FILE]`. */
export async function verifyCommand(argv: string[]): Promise<number> {
  const { options, positionals } = parseArgs(argv, [{ name: 'checkpoint', value: 'a checkpoint JSON file exported earlier' }, { name: 'export-checkpoint', value: 'a file to write the latest signed checkpoint to' }, { name: 'json' }], 'verify');
  const store = openStore();
  try {
    const session = positionals[0] ? resolveSession(store, positionals[0]) : undefined;
    let witness: Checkpoint | undefined;
    if (typeof options.checkpoint === 'string') {
      try {
        witness = JSON.parse(readFileSync(options.checkpoint, 'utf8')) as Checkpoint;
      } catch {
        throw new UserError(`cannot read checkpoint ${options.checkpoint}: expected the JSON written by --export-checkpoint`);
      }
    }
    const report = await verifyLog(store.path, { ...(session ? { session } : {}), ...(witness ? { witness } : {}) });
    if (typeof options['export-checkpoint'] === 'string' && report.ok) {
      writeFileSync(options['export-checkpoint'], JSON.stringify(store.checkpoint(), null, 2) + '\n');
    }
    if (options.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else if (report.ok) {
      process.stdout.write(`${paint('32', 'verified')}: ${report.entries} entries, ${report.checkpoints} signed checkpoints${report.purgedBodies ? `, ${report.purgedBodies} bodies purged by retention` : ''}${session ? `; session ${session}: ${report.sessionEntries} entries` : ''}${report.witness ? `; matches the exported checkpoint` : ''}${report.anchorKey ? `; first signing key ${report.anchorKey}` : ''}\n`);
    } else {
      process.stdout.write(`${paint('31', 'TAMPERED')}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}\n`);
      for (const p of report.problems) process.stdout.write(`  - ${p}\n`);
    }
    return report.ok ? 0 : 1;
  } finally {
    store.close();
  }
}

/** `glassbox export [--session S] --format jsonl|otlp [--endpoint URL]`. */
export async function exportCommand(argv: string[]): Promise<number> {
  const { options } = parseArgs(argv, [{ name: 'session', value: 'a session id' }, { name: 'format', value: 'jsonl or otlp' }, { name: 'endpoint', value: 'an OTLP/HTTP collector URL, e.g. http://127.0.0.1:4318' }], 'export');
  const format = options.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'otlp') throw new UserError(`unsupported export format ${JSON.stringify(format)}; use jsonl or otlp`);
  if (format === 'otlp' && typeof options.endpoint !== 'string') throw new UserError('--format otlp needs --endpoint URL (an OpenTelemetry Collector, e.g. http://127.0.0.1:4318)');
  const store = openStore();
  try {
    const ids = typeof options.session === 'string' ? [resolveSession(store, options.session)] : store.sessions().map((s) => s.id);
    const events = ids.flatMap((id) => store.sessionEvents(id));
    if (format === 'jsonl') {
      for (const e of events) process.stdout.write(JSON.stringify(e) + '\n');
      return 0;
    }
    const version = glassboxVersion();
    try {
      const n = await sendOtlp(options.endpoint as string, events, version);
      process.stdout.write(`exported ${n} events to ${String(options.endpoint)}\n`);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message;
      throw new UserError(`OTLP export to ${String(options.endpoint)} failed: ${(err as Error).message}${why ? ` (${why})` : ''}; check that a collector listens there`);
    }
    return 0;
  } finally {
    store.close();
  }
}
