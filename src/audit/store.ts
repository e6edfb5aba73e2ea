import Database from 'better-sqlite3';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, hash as oneShot, sign } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { canonicalJson } from '../policy/load.js';
import { MerkleAccumulator } from './merkle.js';

/**
 * The machine's audit log: one append-only hash chain of every event from every session, in
 * SQLite (WAL) outside any sandbox. Each entry commits on its own, so an event is durable once
 * `append` returns (a killed supervisor loses nothing it reported). Entries carry only the hash
 * of their body; small bodies sit in the row, large ones in a content-addressed table, and
 * either can be purged by a retention rule while the chain stays verifiable.
 * Every CHECKPOINT_EVERY entries, and at each session end, an Ed25519-signed RFC 6962 Merkle
 * root over the whole chain is stored.
 */
export const CHECKPOINT_EVERY = 1000;
/** Bodies up to this size live in their entry's row; larger ones in the content-addressed blob table. */
export const INLINE_BODY_MAX = 4096;
export const GENESIS = '0'.repeat(64);

export interface Entry {
  seq: number;
  ts: string;
  session: string;
  kind: string;
  bodyHash: string;
  prevHash: string;
  entryHash: string;
}

/** An event ready to be chained: canonical body text and its hash, computed outside the write lock. */
interface PreparedEntry {
  ts: string;
  session: string;
  kind: string;
  bodyHash: string;
  text: string;
}

export interface Checkpoint {
  size: number;
  root: string;
  ts: string;
  keyId: string;
  signature: string;
  publicKey: string;
  /**
   * The public key that signs the next checkpoint, under this one's signature. Null on
   * checkpoints written before keys evolved.
   */
  nextKey?: string | null;
}

/** The checkpoint columns, named as the Checkpoint interface names them. */
export const CHECKPOINT_COLUMNS = 'size, root, ts, key_id AS keyId, signature, public_key AS publicKey, next_key AS nextKey';

export interface SessionRow {
  id: string;
  started: string;
  ended: string | null;
  status: 'running' | 'ended' | 'abnormal';
  pid: number;
  command: string;
  workspace: string;
  policyHash: string;
  exitCode: number | null;
  placeholders: string;
  /** pid:starttime of the supervisor, so that a reused pid is not mistaken for it. */
  owner: string;
  /** The supervisor's private temp dir (sockets, trace), removed by crash recovery. */
  runtime: string;
}

export function dataDir(home = homedir()): string {
  return join(process.env.XDG_DATA_HOME || join(home, '.local', 'share'), 'glassbox');
}

export function entryHash(seq: number, ts: string, session: string, kind: string, bodyHash: string, prevHash: string): string {
  return oneShot('sha256', `${seq}\n${ts}\n${session}\n${kind}\n${bodyHash}\n${prevHash}`, 'hex');
}

/** What a checkpoint's signature covers; v2 adds the key handed on to the next checkpoint. */
export function checkpointMessage(size: number, root: string, ts: string, nextKey?: string | null): Buffer {
  if (!nextKey) return Buffer.from(`glassbox-checkpoint/v1\n${size}\n${root}\n${ts}\n`);
  return Buffer.from(`glassbox-checkpoint/v2\n${size}\n${root}\n${ts}\n${nextKey}`);
}

export function keyIdOf(publicPem: string): string {
  return createHash('sha256').update(createPublicKey(publicPem).export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/**
 * Forward-secure signing: every checkpoint is signed by a fresh Ed25519 key that the previous
 * checkpoint named (under its own signature), and each key is erased once it has signed. Someone
 * who takes the machine's current key can sign what comes next, but cannot re-sign any
 * checkpoint already written without breaking the chain of named keys; rewriting everything
 * from the start gives a different first key, which an exported checkpoint (or the hub) shows.
 * The key lives in the log's own database (0600, outside every box) so that signing a
 * checkpoint and handing on to the next key commit in one transaction; secure_delete zeroes
 * the erased key's page in the file.
 */
const KEY_TABLE = 'CREATE TABLE IF NOT EXISTS signing_key (id INTEGER PRIMARY KEY CHECK (id = 1), pkcs8 BLOB NOT NULL)';

export class AuditStore {
  readonly db: Database.Database;
  private readonly merkle = new MerkleAccumulator();
  private lastSeq = 0;
  private lastHash = GENESIS;
  private readonly insertEntry: Database.Statement;
  private readonly insertBlob: Database.Statement;
  private readonly appendLocked: Database.Transaction<(rows: readonly PreparedEntry[]) => Entry[]>;
  private readonly catchUpStmt: Database.Statement;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    chmodSync(path, 0o600);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives the process being killed (not a power cut).
    this.db.pragma('synchronous = NORMAL');
    // Other sessions' supervisors may hold the write lock for a moment.
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, session TEXT NOT NULL, kind TEXT NOT NULL,
        body_hash TEXT NOT NULL, prev_hash TEXT NOT NULL, entry_hash TEXT NOT NULL, body TEXT);
      CREATE INDEX IF NOT EXISTS entries_session ON entries(session, seq);
      CREATE TABLE IF NOT EXISTS blobs (hash TEXT PRIMARY KEY, body TEXT NOT NULL);
      ${KEY_TABLE};
      CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, root TEXT NOT NULL, ts TEXT NOT NULL, key_id TEXT NOT NULL,
        signature TEXT NOT NULL, public_key TEXT NOT NULL, stack TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, started TEXT NOT NULL, ended TEXT, status TEXT NOT NULL, pid INTEGER NOT NULL,
        command TEXT NOT NULL, workspace TEXT NOT NULL, policy_hash TEXT NOT NULL, exit_code INTEGER, placeholders TEXT NOT NULL DEFAULT '[]');
    `);
    // Logs written before bodies moved inline: add the column (old rows keep theirs in blobs).
    const cols = this.db.prepare('PRAGMA table_info(entries)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'body')) this.db.exec('ALTER TABLE entries ADD COLUMN body TEXT');
    const sessionCols = this.db.prepare('PRAGMA table_info(sessions)').all() as { name: string }[];
    if (!sessionCols.some((c) => c.name === 'owner')) this.db.exec("ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT ''");
    if (!sessionCols.some((c) => c.name === 'runtime')) this.db.exec("ALTER TABLE sessions ADD COLUMN runtime TEXT NOT NULL DEFAULT ''");
    const cpCols = this.db.prepare('PRAGMA table_info(checkpoints)').all() as { name: string }[];
    if (!cpCols.some((c) => c.name === 'next_key')) this.db.exec('ALTER TABLE checkpoints ADD COLUMN next_key TEXT');
    this.db.pragma('secure_delete = ON');
    this.adoptKey();
    this.insertEntry = this.db.prepare('INSERT INTO entries (seq, ts, session, kind, body_hash, prev_hash, entry_hash, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.insertBlob = this.db.prepare('INSERT OR IGNORE INTO blobs (hash, body) VALUES (?, ?)');
    this.catchUpStmt = this.db.prepare('SELECT seq, entry_hash FROM entries WHERE seq > ? ORDER BY seq');
    this.appendLocked = this.db.transaction((rows: readonly PreparedEntry[]): Entry[] => {
      this.catchUp();
      return rows.map((r) => this.appendRow(r.ts, r.session, r.kind, r.bodyHash, r.text));
    });
    this.restore();
  }

  /** Writes the next entry; the caller holds the write lock and has caught up. */
  private appendRow(ts: string, session: string, kind: string, bodyHash: string, text: string): Entry {
    const seq = this.lastSeq + 1;
    const prevHash = this.lastHash;
    const hash = entryHash(seq, ts, session, kind, bodyHash, prevHash);
    const inline = text.length <= INLINE_BODY_MAX;
    if (!inline) this.insertBlob.run(bodyHash, text);
    this.insertEntry.run(seq, ts, session, kind, bodyHash, prevHash, hash, inline ? text : null);
    this.lastSeq = seq;
    this.lastHash = hash;
    this.merkle.push(hash);
    if (seq % CHECKPOINT_EVERY === 0) this.checkpointUnlocked();
    return { seq, ts, session, kind, bodyHash, prevHash, entryHash: hash };
  }

  /**
   * The first signing key: the one a log from before evolving keys kept beside it (so its old
   * checkpoints and the new ones form one chain), else a new one. Either way only the
   * database holds it afterwards.
   */
  private adoptKey(): void {
    const legacy = join(dirname(this.path), 'checkpoint-ed25519.pem');
    const key = existsSync(legacy) ? createPrivateKey(readFileSync(legacy)) : generateKeyPairSync('ed25519').privateKey;
    this.db.prepare('INSERT OR IGNORE INTO signing_key (id, pkcs8) VALUES (1, ?)').run(key.export({ type: 'pkcs8', format: 'der' }));
    rmSync(legacy, { force: true });
  }

  /** The machine's log; a damaged or unreadable one is a one-line error, never a silent new log. */
  static open(home = homedir()): AuditStore {
    const path = join(dataDir(home), 'audit.db');
    try {
      return new AuditStore(path);
    } catch (err) {
      throw new UserError(`the audit log ${path} cannot be opened (${(err as Error).message}); keep it for investigation and move it aside to start a new one`);
    }
  }

  /**
   * Rebuilds the in-memory chain head and Merkle state from one consistent snapshot: the last
   * checkpoint's frontier, then the entries after it (others may be appending meanwhile).
   */
  private restore(): void {
    this.merkle.resume([], 0);
    this.lastSeq = 0;
    this.lastHash = GENESIS;
    this.db.transaction(() => {
      const cp = this.db.prepare('SELECT size, stack FROM checkpoints ORDER BY size DESC LIMIT 1').get() as { size: number; stack: string } | undefined;
      if (cp) {
        this.merkle.resume(JSON.parse(cp.stack) as { size: number; hash: string }[], cp.size);
        const at = this.db.prepare('SELECT entry_hash FROM entries WHERE seq = ?').get(cp.size) as { entry_hash: string } | undefined;
        this.lastSeq = cp.size;
        this.lastHash = at?.entry_hash ?? GENESIS;
      }
      this.catchUp();
    })();
  }

  get head(): { seq: number; hash: string } {
    return { seq: this.lastSeq, hash: this.lastHash };
  }

  /** Appends one event; durable when this returns. */
  append(session: string, kind: string, body: unknown, ts = new Date().toISOString()): Entry {
    return this.appendMany([{ session, kind, body, ts }])[0]!;
  }

  /**
   * Group commit: appends several events in one transaction (one write-lock, one WAL commit),
   * for producers that learn of many at once (an exec trail chunk). All are durable together
   * when this returns; none is acknowledged before.
   */
  appendMany(events: readonly { session: string; kind: string; body: unknown; ts?: string }[]): Entry[] {
    if (events.length === 0) return [];
    const prepared = events.map((e): PreparedEntry => {
      const text = canonicalJson(e.body);
      return { ts: e.ts ?? new Date().toISOString(), session: e.session, kind: e.kind, bodyHash: oneShot('sha256', text, 'hex'), text };
    });
    // Several supervisors (one per running session) share this chain: the head is read and the
    // entries written under one write lock, catching up on entries the others appended.
    return this.rollingBack(() => this.appendLocked.immediate(prepared));
  }

  /** A failed transaction is rolled back in the file; the in-memory head must follow it. */
  private rollingBack<T>(write: () => T): T {
    try {
      return write();
    } catch (err) {
      this.restore();
      throw err;
    }
  }

  /** Brings the in-memory head and Merkle frontier up to date with the file. */
  private catchUp(): void {
    for (const r of this.catchUpStmt.all(this.lastSeq) as { seq: number; entry_hash: string }[]) {
      this.merkle.push(r.entry_hash);
      this.lastSeq = r.seq;
      this.lastHash = r.entry_hash;
    }
  }

  /** Signs the Merkle root of the whole chain as it stands. */
  checkpoint(): Checkpoint {
    return this.db
      .transaction(() => {
        this.catchUp();
        return this.checkpointUnlocked();
      })
      .immediate();
  }

  private checkpointUnlocked(): Checkpoint {
    const size = this.lastSeq;
    const existing = this.db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE size = ?`).get(size) as Checkpoint | undefined;
    if (existing) return existing;
    const root = this.merkle.root();
    const ts = new Date().toISOString();
    const { pkcs8 } = this.db.prepare('SELECT pkcs8 FROM signing_key WHERE id = 1').get() as { pkcs8: Buffer };
    const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const publicKey = createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string;
    const next = generateKeyPairSync('ed25519');
    const nextKey = next.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const signature = sign(null, checkpointMessage(size, root, ts, nextKey), key).toString('base64');
    const keyId = keyIdOf(publicKey);
    this.db
      .prepare('INSERT INTO checkpoints (size, root, ts, key_id, signature, public_key, stack, next_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(size, root, ts, keyId, signature, publicKey, JSON.stringify(this.merkle.frontier()), nextKey);
    // The key that signed is gone with this commit; only its successor remains.
    this.db.prepare('UPDATE signing_key SET pkcs8 = ? WHERE id = 1').run(next.privateKey.export({ type: 'pkcs8', format: 'der' }));
    return { size, root, ts, keyId, signature, publicKey, nextKey };
  }

  latestCheckpoint(): Checkpoint | undefined {
    return this.db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY size DESC LIMIT 1`).get() as Checkpoint | undefined;
  }

  startSession(row: Omit<SessionRow, 'ended' | 'status' | 'exitCode' | 'runtime'> & { runtime?: string }): void {
    this.db
      .prepare('INSERT INTO sessions (id, started, ended, status, pid, command, workspace, policy_hash, exit_code, placeholders, owner, runtime) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, NULL, ?, ?, ?)')
      .run(row.id, row.started, 'running', row.pid, row.command, row.workspace, row.policyHash, row.placeholders, row.owner, row.runtime ?? '');
  }

  endSession(id: string, status: 'ended' | 'abnormal', exitCode: number | null): void {
    this.db.prepare('UPDATE sessions SET ended = ?, status = ?, exit_code = ? WHERE id = ?').run(new Date().toISOString(), status, exitCode, id);
  }

  sessions(): SessionRow[] {
    return this.db
      .prepare('SELECT id, started, ended, status, pid, command, workspace, policy_hash AS policyHash, exit_code AS exitCode, placeholders, owner, runtime FROM sessions ORDER BY started')
      .all() as SessionRow[];
  }

  /** Entries of a session with their bodies (null where a retention rule purged them). */
  sessionEvents(session: string): (Entry & { body: Record<string, unknown> | null })[] {
    const rows = this.db
      .prepare(
        'SELECT seq, ts, session, kind, body_hash AS bodyHash, prev_hash AS prevHash, entry_hash AS entryHash, COALESCE(body, (SELECT body FROM blobs WHERE hash = body_hash)) AS body FROM entries WHERE session = ? ORDER BY seq',
      )
      .all(session) as (Entry & { body: string | null })[];
    return rows.map((r) => ({ ...r, body: r.body === null ? null : (JSON.parse(r.body) as Record<string, unknown>) }));
  }

  close(): void {
    this.db.close();
  }
}
