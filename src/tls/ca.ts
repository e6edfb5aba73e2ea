import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bits, bool, explicit, implicitConstructed, implicitPrimitive, integer, octets, oid, seq, set, time, utf8 } from './der.js';

/**
 * Glassbox's interception CA. One per session, ECDSA P-256, name-constrained to exactly the
 * hosts the policy inspects: even if its key leaked, it could not vouch for any other site.
 * The key is generated in the supervisor and never written anywhere.
 */

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

const sigAlg = seq(oid(OID.ecdsaSha256));

function name(cn: string): Buffer {
  return seq(set(seq(oid(OID.organization), utf8('Glassbox'))), set(seq(oid(OID.commonName), utf8(cn))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function keyId(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // The EC point is the tail of the SPKI's BIT STRING (65 bytes for uncompressed P-256).
  return createHash('sha1').update(spki.subarray(spki.length - 65)).digest();
}

function serial(): Buffer {
  const b = randomBytes(16);
  b[0]! &= 0x7f;
  return b;
}

function toPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function certificate(opts: {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  days: number;
  extensions: Buffer[];
}): Buffer {
  const now = Date.now();
  const tbs = seq(
    explicit(0, integer(2)), // v3
    integer(serial()),
    sigAlg,
    name(opts.issuer),
    seq(time(new Date(now - 3600_000)), time(new Date(now + opts.days * 86400_000))),
    name(opts.subject),
    opts.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...opts.extensions)),
  );
  const signature = sign('sha256', tbs, opts.signingKey);
  return seq(tbs, sigAlg, bits(signature));
}

/** The DNS name a policy host pattern constrains to: `*.example.com` and `example.com` both permit the subtree. */
function constraintName(pattern: string): string {
  return pattern.startsWith('*.') ? pattern.slice(2) : pattern;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

export class CertificateAuthority {
  readonly certPem: string;
  private readonly caKey: KeyObject;
  private readonly caKeyId: Buffer;
  private readonly leafKeyPem: string;
  private readonly leafKeyId: Buffer;
  private readonly leafPublic: KeyObject;
  private readonly cache = new Map<string, IssuedCert>();
  private readonly subject: string;

  /** `hosts`: the policy's inspected host patterns; the CA can only ever sign for these. */
  constructor(readonly hosts: readonly string[]) {
    const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.caKey = ca.privateKey;
    this.caKeyId = keyId(ca.publicKey);
    this.subject = `Glassbox session CA ${randomBytes(4).toString('hex')}`;
    const permitted = [...new Set(hosts.filter((h) => !isIP(h)).map(constraintName))];
    const ipHosts = hosts.filter((h) => isIP(h));
    const subtrees = permitted.map((h) => seq(implicitPrimitive(2, Buffer.from(h, 'ascii'))));
    // IP address names are refused outright unless the policy inspects an address explicitly.
    const ipSubtrees = ipHosts.map((ip) => seq(implicitPrimitive(7, Buffer.concat([ipBytes(ip), Buffer.alloc(isIP(ip) === 4 ? 4 : 16, 0xff)]))));
    const excluded = ipHosts.length > 0 ? [] : [seq(implicitPrimitive(7, Buffer.alloc(8))), seq(implicitPrimitive(7, Buffer.alloc(32)))];
    const constraints = seq(
      ...(subtrees.length + ipSubtrees.length > 0 ? [implicitConstructed(0, ...subtrees, ...ipSubtrees)] : []),
      ...(excluded.length > 0 ? [implicitConstructed(1, ...excluded)] : []),
    );
    const der = certificate({
      subject: this.subject,
      issuer: this.subject,
      publicKey: ca.publicKey,
      signingKey: ca.privateKey,
      days: 7,
      extensions: [
        extension(OID.basicConstraints, true, seq(bool(true), integer(0))),
        // digitalSignature | keyCertSign | cRLSign
        extension(OID.keyUsage, true, bits(Buffer.from([0x86]), 1)),
        extension(OID.subjectKeyId, false, octets(this.caKeyId)),
        extension(OID.nameConstraints, true, constraints),
      ],
    });
    this.certPem = toPem(der, 'CERTIFICATE');
    const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.leafPublic = leaf.publicKey;
    this.leafKeyId = keyId(leaf.publicKey);
    this.leafKeyPem = leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  }

  /** A leaf certificate for `host`, cached for the session. One key serves all leaves. */
  issue(host: string): IssuedCert {
    const cached = this.cache.get(host);
    if (cached) return cached;
    const san = isIP(host) ? implicitPrimitive(7, ipBytes(host)) : implicitPrimitive(2, Buffer.from(host, 'ascii'));
    const der = certificate({
      subject: host.slice(0, 64),
      issuer: this.subject,
      publicKey: this.leafPublic,
      signingKey: this.caKey,
      days: 7,
      extensions: [
        extension(OID.basicConstraints, true, seq()),
        extension(OID.keyUsage, true, bits(Buffer.from([0x80]), 7)),
        extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
        extension(OID.subjectAltName, false, seq(san)),
        extension(OID.subjectKeyId, false, octets(this.leafKeyId)),
        extension(OID.authorityKeyId, false, seq(implicitPrimitive(0, this.caKeyId))),
      ],
    });
    const issued = { certPem: toPem(der, 'CERTIFICATE') + this.certPem, keyPem: this.leafKeyPem };
    this.cache.set(host, issued);
    return issued;
  }
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}
