import type { AuditStore } from './store.js';

export interface RetentionRule {
  days?: number;
  maxBytes?: number;
}

/**
 * Purges event bodies by age and by total size, oldest first. Entries and their hashes stay,
 * so the chain still verifies; each purge is appended to the chain as a `retention.purge` event.
 */
export function applyRetention(store: AuditStore, rule: RetentionRule, now = Date.now()): { entries: number; bytes: number } {
  const db = store.db;
  let purgedEntries = 0;
  let purgedBytes = 0;
  const purgeUpTo = (maxSeq: number, why: string) => {
    const stats = db
      .prepare("SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(COALESCE(body, (SELECT body FROM blobs WHERE hash = body_hash)))), 0) AS bytes FROM entries WHERE seq <= ? AND (body IS NOT NULL OR body_hash IN (SELECT hash FROM blobs)) AND kind != 'retention.purge'")
      .get(maxSeq) as { n: number; bytes: number };
    if (stats.n === 0) return;
    db.transaction(() => {
      db.prepare("UPDATE entries SET body = NULL WHERE seq <= ? AND body IS NOT NULL AND kind != 'retention.purge'").run(maxSeq);
      db.prepare('DELETE FROM blobs WHERE hash IN (SELECT body_hash FROM entries WHERE seq <= ?) AND hash NOT IN (SELECT body_hash FROM entries WHERE seq > ?)').run(maxSeq, maxSeq);
    })();
    purgedEntries += stats.n;
    purgedBytes += stats.bytes;
    store.append('retention', 'retention.purge', { rule: why, throughSeq: maxSeq, entries: stats.n, bytes: stats.bytes });
  };
  if (rule.days !== undefined) {
    const cutoff = new Date(now - rule.days * 86400_000).toISOString();
    const row = db.prepare('SELECT MAX(seq) AS seq FROM entries WHERE ts < ?').get(cutoff) as { seq: number | null };
    if (row.seq) purgeUpTo(row.seq, `older than ${rule.days} days`);
  }
  if (rule.maxBytes !== undefined) {
    // Keep the newest bodies that fit; purge everything before the first one that does not.
    let kept = 0;
    let boundary = 0;
    for (const r of db.prepare('SELECT seq, LENGTH(COALESCE(body, (SELECT body FROM blobs WHERE hash = body_hash))) AS len FROM entries ORDER BY seq DESC').iterate() as Iterable<{ seq: number; len: number | null }>) {
      kept += r.len ?? 0;
      if (kept > rule.maxBytes) {
        boundary = r.seq;
        break;
      }
    }
    if (boundary > 0) purgeUpTo(boundary, `beyond ${rule.maxBytes} bytes of bodies`);
  }
  return { entries: purgedEntries, bytes: purgedBytes };
}
