import { lookup as dnsLookup } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { nonPublicReason } from './address-guard.js';

export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addrs) => (err ? reject(err) : resolve(addrs.map((a) => a.address)))),
  );

export class GuardError extends Error {}

/**
 * Resolves a name and judges every answer; returns the one address to connect to. Connecting
 * to exactly the address judged (never resolving twice) is what defeats DNS rebinding.
 */
export async function guardedAddress(host: string, resolver: Resolver, allowPrivate: boolean): Promise<string> {
  if (isIP(host)) return host;
  let addrs: string[];
  try {
    addrs = await resolver(host);
  } catch {
    throw new GuardError(`cannot resolve ${host}`);
  }
  if (addrs.length === 0) throw new GuardError(`no address for ${host}`);
  if (!allowPrivate) {
    for (const a of addrs) {
      const why = nonPublicReason(a);
      if (why) throw new GuardError(`${host} resolves to ${why}`);
    }
  }
  return addrs[0]!;
}

/** A `lookup` for http(s).request that goes through the guard. */
export function guardedLookup(resolver: Resolver, allowPrivate: boolean): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, cb: (...a: unknown[]) => void) => {
    guardedAddress(hostname, resolver, allowPrivate).then(
      (addr) => (options?.all ? cb(null, [{ address: addr, family: isIP(addr) }]) : cb(null, addr, isIP(addr))),
      (err: Error) => cb(err),
    );
  }) as unknown as LookupFunction;
}

/** Keep-alive agents toward upstreams, one pair per proxy. */
export function upstreamAgents(extraCa?: string[]): { http: HttpAgent; https: HttpsAgent } {
  return {
    http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 64, ...(extraCa ? { ca: extraCa } : {}) }),
  };
}
