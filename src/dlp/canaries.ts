import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KnownSecret } from './engine.js';

/**
 * Decoy credentials for the box's HOME: realistic in format and location, valid nowhere. An
 * agent (or anything it runs) that goes looking for credentials finds these; any request that
 * carries one is blocked and raised as a high-severity event. Fresh per session.
 */
export interface Canary {
  /** Path relative to HOME. */
  file: string;
  content: string;
  /** Substrings that identify this canary in egress (unique random material only). */
  markers: string[];
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');

function sshString(buf: Buffer | string): Buffer {
  const b = typeof buf === 'string' ? Buffer.from(buf) : buf;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** An unencrypted OpenSSH-format Ed25519 private key (what ssh-keygen writes by default). */
function opensshEd25519(comment: string): { pem: string; body: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as { d: string; x: string };
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = Buffer.from(jwk.x, 'base64url');
  const pubBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4);
  let priv = Buffer.concat([check, check, sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const pad = Array.from({ length: (8 - (priv.length % 8)) % 8 }, (_, i) => i + 1);
  priv = Buffer.concat([priv, Buffer.from(pad)]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const blob = Buffer.concat([Buffer.from('openssh-key-v1\0'), sshString('none'), sshString('none'), sshString(''), count, sshString(pubBlob), sshString(priv)]);
  const body = blob.toString('base64');
  const lines = body.match(/.{1,70}/g)!;
  return { pem: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`, body };
}

export function makeCanaries(user: string): Canary[] {
  const awsId = `AKIA${pick(B32, 16)}`;
  const awsSecret = pick(`${ALNUM}/+`, 40);
  const npm = `npm_${pick(ALNUM, 36)}`;
  const gh = `gho_${pick(ALNUM, 36)}`;
  const ghPat = `ghp_${pick(ALNUM, 36)}`;
  const dockerToken = `dckr_pat_${pick(ALNUM, 27)}`;
  const dockerAuth = Buffer.from(`${user}:${dockerToken}`).toString('base64');
  const ssh = opensshEd25519(`${user}@workstation`);
  // The key's random part (seed) sits past the fixed header: markers from the second half.
  const sshMarkers = [ssh.body.slice(ssh.body.length - 140, ssh.body.length - 60)];
  return [
    { file: '.aws/credentials', content: `[default]\naws_access_key_id = ${awsId}\naws_secret_access_key = ${awsSecret}\nregion = us-east-1\n`, markers: [awsId, awsSecret] },
    { file: '.ssh/id_ed25519', content: ssh.pem, markers: sshMarkers },
    { file: '.npmrc', content: `//registry.npmjs.org/:_authToken=${npm}\n`, markers: [npm] },
    { file: '.config/gh/hosts.yml', content: `github.com:\n    user: ${user}\n    oauth_token: ${gh}\n    git_protocol: https\n`, markers: [gh] },
    { file: '.git-credentials', content: `https://${user}:${ghPat}@github.com\n`, markers: [ghPat] },
    { file: '.docker/config.json', content: `${JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: dockerAuth } } }, null, 2)}\n`, markers: [dockerToken, dockerAuth] },
  ];
}

/** What to watch for in egress: every canary's markers, labelled by where the decoy lives. */
export function canarySecrets(canaries: readonly Canary[]): KnownSecret[] {
  return canaries.flatMap((c) => c.markers.map((value) => ({ value, label: `canary ~/${c.file}`, kind: 'canary' as const })));
}

/** Writes canaries into the session HOME where nothing real was projected; returns the paths planted. */
export function plantCanaries(sessionHome: string, canaries: readonly Canary[]): string[] {
  const planted: string[] = [];
  for (const c of canaries) {
    const path = join(sessionHome, c.file);
    if (existsSync(path)) continue;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, c.content, { mode: 0o600 });
    planted.push(`~/${c.file}`);
  }
  return planted;
}
