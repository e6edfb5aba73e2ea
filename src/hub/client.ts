/**
 * `glassbox push`: ships this machine's audit chain to the org hub as segments that each end on
 * a checkpoint the machine signed. The hub says where it stands; the machine sends what follows.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CHECKPOINT_COLUMNS, type AuditStore, type Checkpoint } from '../audit/store.js';
import { UserError } from '../errors.js';
import { checkpointBatches, type PushedEntry, type PushRequest } from './segment.js';
import type { IngestResult } from './store.js';

export interface HubEndpoint {
  url: string;
  token: string;
  /** PEM of a CA to trust for the hub's TLS certificate (a private CA). */
  ca?: string;
}

interface HubState {
  machine: string;
  size: number;
  lastHash: string;
  checkpoint: Checkpoint | null;
  status: string;
  problem: string | null;
}

function explain(err: NodeJS.ErrnoException, url: string): string {
  if (err.code === 'ECONNREFUSED') return `cannot reach the hub at ${url} (connection refused); is \`glassbox hub\` running there?`;
  if (err.code === 'ENOTFOUND') return `cannot resolve the hub's host in ${url}`;
  if (err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || err.code === 'SELF_SIGNED_CERT_IN_CHAIN' || err.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || err.code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')
    return `the hub's TLS certificate at ${url} is not trusted (${err.code}); pass the CA that signed it with --ca FILE`;
  if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the hub's TLS certificate does not name the host in ${url}`;
  return `request to the hub at ${url} failed: ${err.code ?? err.message}`;
}

/** One JSON request to the hub; any answer but 2xx is a UserError carrying the hub's reason. */
export function hubRequest<T>(hub: HubEndpoint, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let url: URL;
  try {
    url = new URL(path, hub.url.endsWith('/') ? hub.url : `${hub.url}/`);
  } catch {
    throw new UserError(`--hub must be an http:// or https:// URL, not ${JSON.stringify(hub.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`--hub must be an http:// or https:// URL, not ${JSON.stringify(hub.url)}`);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        headers: { authorization: `Bearer ${hub.token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
        ...(hub.ca ? { ca: hub.ca } : {}),
        timeout: 120_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = { error: text.slice(0, 200) };
          }
          if ((res.statusCode ?? 500) >= 300) reject(new UserError(`the hub refused: ${String((json as { error?: string }).error ?? `HTTP ${res.statusCode}`)}`));
          else resolve(json as T);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new UserError(explain(err, hub.url))));
    req.end(payload);
  });
}

export interface PushSummary {
  machine: string;
  /** Entries sent in this push, and the batches they went in. */
  sent: number;
  batches: number;
  /** What the hub holds for this machine afterwards. */
  size: number;
}

/** Entries (from, to] as pushed: the body inline or from the blob table. */
export const PUSH_ENTRY_ROWS =
  'SELECT seq, ts, session, kind, body_hash AS bodyHash, prev_hash AS prevHash, entry_hash AS entryHash, COALESCE(body, (SELECT body FROM blobs WHERE hash = body_hash)) AS body FROM entries WHERE seq > ? AND seq <= ? ORDER BY seq';

/**
 * Pushes everything the hub does not have yet. The head is signed first, so that every entry
 * sent is covered by a checkpoint; batches end on checkpoints and hold about `batchEntries`.
 */
export async function pushLog(store: AuditStore, hub: HubEndpoint, batchEntries = 5000): Promise<PushSummary> {
  const state = await hubRequest<HubState>(hub, 'GET', 'api/v1/state');
  const head = store.checkpoint();
  const checkpoints = store.db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE size > ? ORDER BY size`).all(state.size) as Checkpoint[];
  const rows = store.db.prepare(PUSH_ENTRY_ROWS);
  let sent = 0;
  let batches = 0;
  let size = state.size;
  if (head.size < state.size || checkpoints.length === 0) {
    // Nothing new, or less than the hub holds: the head alone lets the hub compare.
    const r = await hubRequest<IngestResult>(hub, 'POST', 'api/v1/push', { entries: [], checkpoints: [], head } satisfies PushRequest);
    return { machine: state.machine, sent: 0, batches: 0, size: r.size };
  }
  for (const batch of checkpointBatches(checkpoints, state.size, batchEntries)) {
    const entries = rows.all(batch.from, batch.to) as PushedEntry[];
    const r = await hubRequest<IngestResult>(hub, 'POST', 'api/v1/push', { entries, checkpoints: batch.checkpoints, head } satisfies PushRequest);
    sent += entries.length;
    batches++;
    size = r.size;
  }
  return { machine: state.machine, sent, batches, size };
}
