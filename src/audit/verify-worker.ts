import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { verifyRange } from './verify.js';

/** One verifier thread: its own read-only connection, ranges in, range results out. */
const { path, sizes, session } = workerData as { path: string; sizes: number[]; session?: string };
const db = new Database(path, { readonly: true, fileMustExist: true });
parentPort!.on('message', (range: { from: number; to: number }) => {
  parentPort!.postMessage(verifyRange(db, range.from, range.to, sizes, session));
});
