/**
 * The machines' side of the hub: `GET /api/v1/state` (what the hub holds for the calling
 * machine) and `POST /api/v1/push` (a chain segment), each behind the machine's own token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearer, HttpError, readJson, type RouteHandler, sendJson } from '../dashboard/server.js';
import type { Checkpoint } from '../audit/store.js';
import { UserError } from '../errors.js';
import { type PushRequest, SegmentError } from './segment.js';
import type { HubStore, IngestResult } from './store.js';

/** A push can carry a few thousand large events; more waits for the next. */
export const PUSH_MAX_BYTES = 256 * 1024 * 1024;

/** A checkpoint as signed: a malformed one is a bad request, not evidence of tampering. */
function isCheckpoint(c: unknown): c is Checkpoint {
  const x = c as Record<string, unknown> | null;
  return Boolean(x) && Number.isSafeInteger(x!.size) && ['root', 'ts', 'keyId', 'signature', 'publicKey'].every((k) => typeof x![k] === 'string') && (x!.nextKey === undefined || x!.nextKey === null || typeof x!.nextKey === 'string');
}

function asPush(v: unknown): PushRequest {
  const p = v as Partial<PushRequest> | null;
  if (!p || !Array.isArray(p.entries) || !Array.isArray(p.checkpoints)) throw new HttpError(400, 'a push is {entries: [...], checkpoints: [...], head}');
  if (!p.checkpoints.every(isCheckpoint) || (p.head != null && !isCheckpoint(p.head))) throw new HttpError(400, 'a checkpoint in the push is malformed (size, root, ts, keyId, signature, publicKey, nextKey)');
  if (!p.entries.every((e) => e !== null && typeof e === 'object')) throw new HttpError(400, 'an entry in the push is not an object');
  return { entries: p.entries, checkpoints: p.checkpoints, head: p.head ?? null };
}

export function machineRoutes(store: HubStore, onIngest?: (machine: string, result: IngestResult) => void): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!url.pathname.startsWith('/api/v1/')) return false;
    const token = bearer(req);
    const machine = token ? await store.machineForToken(token) : undefined;
    if (!machine) throw new HttpError(401, 'unknown or revoked machine token; register the machine with `glassbox hub token add NAME`');
    if (url.pathname === '/api/v1/state' && req.method === 'GET') {
      sendJson(res, 200, { machine: machine.name, size: machine.size, lastHash: machine.witness.lastHash, checkpoint: machine.witness.checkpoint, status: machine.status, problem: machine.problem });
      return true;
    }
    if (url.pathname === '/api/v1/push' && req.method === 'POST') {
      const push = asPush(await readJson(req, PUSH_MAX_BYTES));
      try {
        const result = await store.ingest(machine.name, push);
        onIngest?.(machine.name, result);
        sendJson(res, 200, result);
      } catch (err) {
        if (err instanceof SegmentError) {
          sendJson(res, 409, { error: err.message, tampered: err.tampered });
          return true;
        }
        if (err instanceof UserError) throw new HttpError(409, err.message);
        throw err;
      }
      return true;
    }
    throw new HttpError(404, `no machine API ${req.method} ${url.pathname}`);
  };
}
