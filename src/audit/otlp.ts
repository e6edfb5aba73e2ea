import { hostname } from 'node:os';
import type { Entry } from './store.js';

type Event = Entry & { body: Record<string, unknown> | null };

function attr(key: string, value: string | number | boolean): Record<string, unknown> {
  if (typeof value === 'number') return { key, value: { intValue: String(value) } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  return { key, value: { stringValue: value } };
}

/** A denial is a warning, a high-severity finding an error, everything else information. */
function severity(e: Event): [number, string] {
  const findings = (e.body?.findings as { severity?: string }[] | undefined) ?? [];
  if (findings.some((f) => f.severity === 'high') || e.body?.abnormal) return [17, 'ERROR'];
  if (e.body?.decision === 'deny') return [13, 'WARN'];
  return [9, 'INFO'];
}

/** Audit events as an OTLP/HTTP JSON logs request (opentelemetry-proto logs/v1). */
export function toOtlpLogs(events: Event[], version: string, host = hostname()): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: { attributes: [attr('service.name', 'glassbox'), attr('service.version', version), attr('host.name', host)] },
        scopeLogs: [
          {
            scope: { name: 'glassbox.audit', version },
            logRecords: events.map((e) => {
              const [severityNumber, severityText] = severity(e);
              const nanos = `${BigInt(Date.parse(e.ts)) * 1_000_000n}`;
              return {
                timeUnixNano: nanos,
                observedTimeUnixNano: nanos,
                severityNumber,
                severityText,
                body: { stringValue: JSON.stringify(e.body ?? { purged: true }) },
                attributes: [
                  attr('glassbox.session', e.session),
                  attr('glassbox.kind', e.kind),
                  attr('glassbox.seq', e.seq),
                  attr('glassbox.entry_hash', e.entryHash),
                  attr('glassbox.prev_hash', e.prevHash),
                  ...(typeof e.body?.decision === 'string' ? [attr('glassbox.decision', e.body.decision)] : []),
                  ...(typeof e.body?.host === 'string' ? [attr('server.address', e.body.host)] : []),
                ],
              };
            }),
          },
        ],
      },
    ],
  };
}

/**
 * POSTs events to a collector's /v1/logs in batches; throws with the collector's answer on
 * failure. `host` names the machine the events come from (the hub forwards many machines').
 */
export async function sendOtlp(endpoint: string, events: Event[], version: string, batch = 1000, host = hostname()): Promise<number> {
  const url = endpoint.replace(/\/+$/, '') + (endpoint.endsWith('/v1/logs') ? '' : '/v1/logs');
  let sent = 0;
  for (let i = 0; i < events.length; i += batch) {
    const chunk = events.slice(i, i + batch);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(toOtlpLogs(chunk, version, host)) });
    if (!res.ok) throw new Error(`collector answered ${res.status} ${res.statusText}`);
    sent += chunk.length;
  }
  return sent;
}
