/**
 * The positive path and the box's contract with the agent: real agent CLIs start, exit codes
 * and signals pass through, a real TUI works under tmux, the environment and HOME are what
 * the policy says. Real bubblewrap, as root and as an unprivileged user.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { actors, asActor, CANARY, glassbox, inBox, makeWorkspace, runProcess, sessionEvents, toolAvailable, writePolicy, type Actor } from './helpers.js';

const binDir = (a: Actor) => join(a.repo, 'node_modules', '.bin');

/** argv running glassbox as the actor; `alreadyActor` when the caller already runs as them (tmux). */
function glassboxArgv(a: Actor, ws: string, cmd: string[], alreadyActor = false): string[] {
  const env = { PATH: `${binDir(a)}:/usr/bin:/bin`, HOME: a.home, TERM: 'xterm-256color', LANG: 'C.UTF-8' };
  const argv = [process.execPath, join(a.repo, 'bin', 'glassbox.js'), 'run', '--quiet', '--workspace', ws, '--', ...cmd];
  return alreadyActor ? ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv] : asActor(a, env, argv);
}

const shellQuote = (argv: string[]) => argv.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');

for (const actor of actors()) {
  describe(`sandbox as ${actor.kind} (${actor.username})`, () => {
    for (const [agent, pattern] of [
      ['claude', /\(Claude Code\)/],
      ['codex', /codex-cli \d/],
    ] as const) {
      it(`the real ${agent} CLI from npm starts inside the box`, async () => {
        const ws = makeWorkspace(actor);
        const out = await glassbox(actor, ['run', '--workspace', ws, '--preset', agent === 'claude' ? 'claude' : 'codex', '--', agent, '--version'], {
          cwd: ws,
          pathPrefix: binDir(actor),
        });
        assert.equal(out.code, 0, out.stderr);
        assert.match(out.stdout, pattern);
        assert.match(out.stderr, /session \S+ · workspace/);
      });
    }

    it('records every program run inside the box in the exec trail', async () => {
      const out = await glassbox(actor, ['run', '--workspace', makeWorkspace(actor), '--', 'bash', '-c', 'git --version >/dev/null; printf "%s\\n" "two words" | tr a-z A-Z'], {});
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /TWO WORDS/);
      const execs = sessionEvents<{ kind: string; argv?: string[]; path?: string }>(out.stderr).filter((e) => e.kind === 'exec');
      assert.deepEqual(execs.map((e) => e.argv), [['bash', '-c', 'git --version >/dev/null; printf "%s\\n" "two words" | tr a-z A-Z'], ['git', '--version'], ['tr', 'a-z', 'A-Z']]);
      assert.equal(execs[1]!.path, '/usr/bin/git');
    });

    it('records refused file writes when audit.files is on', async () => {
      const policy = writePolicy(actor, 'audit:\n  files: true\n');
      const ws = makeWorkspace(actor);
      const out = await glassbox(actor, ['run', '--policy', policy, '--workspace', ws, '--', 'bash', '-c', 'echo x > .git/hooks/post-checkout; mkdir .vscode/sub; echo y > /etc/gb-evil; echo fine > ok.txt; true'], { cwd: ws });
      assert.equal(out.code, 0, out.stderr);
      const denials = sessionEvents<{ kind: string; syscall?: string; paths?: string[]; errno?: string }>(out.stderr).filter((e) => e.kind === 'filesystem');
      assert.deepEqual(
        denials.map((d) => [d.syscall, d.paths?.at(-1), d.errno]),
        [['openat', '.git/hooks/post-checkout', 'EROFS'], ['mkdir', '.vscode/sub', 'EROFS'], ['openat', '/etc/gb-evil', 'EROFS']],
      );
    });

    it('passes the exit code through', async () => {
      assert.equal((await inBox(actor, 'exit 42')).code, 42);
      assert.equal((await inBox(actor, 'true')).code, 0);
    });

    it('reports death by signal as 128+N', async () => {
      assert.equal((await inBox(actor, 'kill -TERM $$')).code, 143);
      assert.equal((await inBox(actor, 'kill -KILL $$')).code, 137);
    });

    it('forwards SIGTERM to the agent, which can exit cleanly', async () => {
      const ws = makeWorkspace(actor);
      const argv = glassboxArgv(actor, ws, ['bash', '-c', 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done']);
      const child = spawn(argv[0]!, argv.slice(1), { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      for (let i = 0; i < 100 && !stdout.includes('ready'); i++) await sleep(100);
      assert.match(stdout, /ready/);
      // The supervisor is the node process at the end of the runuser/env chain.
      const pids = spawnSync('pgrep', ['-f', `glassbox.js run --quiet --workspace ${ws}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
      const supervisor = pids.map(Number).find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node');
      assert.ok(supervisor, 'supervisor process not found');
      process.kill(supervisor, 'SIGTERM');
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      assert.match(stdout, /got-term/);
      assert.equal(code, 7);
    });

    it('scrubs the environment and applies env.pass, env.set and env.tz', async () => {
      const policy = writePolicy(actor, 'env:\n  pass: [MY_TOOL_*]\n  set:\n    FROM_POLICY: yes-it-is\n  tz: Asia/Tokyo\n');
      const out = await inBox(actor, 'env', { policy, env: { MY_TOOL_MODE: 'fast', SOME_PASSWORD: 'hunter2', TZ: 'Europe/Paris' } });
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^MY_TOOL_MODE=fast$/m);
      assert.match(out.stdout, /^FROM_POLICY=yes-it-is$/m);
      assert.match(out.stdout, /^TZ=Asia\/Tokyo$/m);
      assert.match(out.stdout, /^HTTPS_PROXY=http:\/\/127\.0\.0\.1:3128$/m);
      assert.doesNotMatch(out.stdout, /hunter2|SOME_PASSWORD|AWS_SECRET|GITHUB_TOKEN/);
      assert.doesNotMatch(out.stdout, new RegExp(CANARY.env));
    });

    it('gives a fresh HOME with only projected config, as copies or read-only binds', async () => {
      const claudeDir = join(actor.home, '.claude');
      mkdirSync(claudeDir, { recursive: true });
      writeFileSync(join(claudeDir, 'settings.json'), '{"theme":"dark"}');
      writeFileSync(join(claudeDir, '.credentials.json'), `{"token":"${CANARY.ssh}"}`);
      const toolDir = join(actor.home, '.config', 'tool');
      mkdirSync(toolDir, { recursive: true });
      writeFileSync(join(toolDir, 'conf'), 'tool-config');
      spawnSync('chown', ['-R', `${actor.uid}:${actor.gid}`, claudeDir, join(actor.home, '.config')]);
      const policy = writePolicy(actor, 'preset: claude\nhome:\n  - path: ~/.config/tool\n    mode: ro\ndlp:\n  canaries: false\n');
      const out = await inBox(
        actor,
        'cat ~/.claude/settings.json; echo; ls -A ~/.claude; cat ~/.config/tool/conf; echo; echo changed > ~/.claude/settings.json; ' +
          'echo x > ~/.config/tool/conf 2>/dev/null && echo TOOL-WRITABLE; ls -A ~',
        { policy },
      );
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /\{"theme":"dark"\}/);
      assert.doesNotMatch(out.stdout, /credentials|\.ssh|\.aws/);
      assert.match(out.stdout, /tool-config/);
      assert.doesNotMatch(out.stdout, /TOOL-WRITABLE/);
      // The copy changed inside; the real file did not.
      assert.equal(readFileSync(join(claudeDir, 'settings.json'), 'utf8'), '{"theme":"dark"}');
    });

    it('hides denied paths, shows extra read-only paths, and protects a policy file kept in the workspace', async () => {
      const extra = mkdtempSync(join(tmpdir(), 'gb-extra-'));
      writeFileSync(join(extra, 'shared.txt'), 'shared-data');
      spawnSync('chmod', ['-R', 'a+rX', extra]);
      const ws = makeWorkspace(actor, { 'secrets/prod.env': 'DB_PASSWORD=s3cr3t\n', 'src/main.ts': 'ok\n' });
      const policyFile = join(ws, 'glassbox.yaml');
      writeFileSync(policyFile, `filesystem:\n  read: [${extra}]\n  deny: [secrets]\n`);
      chownSync(policyFile, actor.uid, actor.gid);
      const out = await inBox(
        actor,
        `cat secrets/prod.env 2>/dev/null; ls -A secrets; cat ${extra}/shared.txt; echo; echo x > ${extra}/new 2>/dev/null && echo EXTRA-WRITABLE; ` +
          `echo 'network: {allow: [{host: evil.example}]}' >> glassbox.yaml 2>/dev/null && echo POLICY-WRITABLE; cat src/main.ts`,
        { workspace: ws, policy: policyFile },
      );
      assert.equal(out.code, 0, out.stderr);
      assert.doesNotMatch(out.stdout, /s3cr3t|prod\.env/);
      assert.match(out.stdout, /shared-data/);
      assert.doesNotMatch(out.stdout, /EXTRA-WRITABLE|POLICY-WRITABLE/);
      assert.match(out.stdout, /^ok$/m);
      assert.doesNotMatch(readFileSync(policyFile, 'utf8'), /evil/);
    });

    it('leaves the workspace clean: placeholders for protected paths are removed after the run', async () => {
      const ws = makeWorkspace(actor, { 'README.md': 'hello\n' });
      const git = (...args: string[]) => spawnSync('git', ['-c', 'safe.directory=*', '-C', ws, ...args], { encoding: 'utf8' });
      git('add', '-A');
      assert.equal(git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'init').status, 0);
      const out = await inBox(actor, 'ls -A; echo more >> README.md', { workspace: ws });
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /\.mcp\.json/, 'the placeholder is visible inside the box');
      const status = git('status', '--porcelain').stdout;
      assert.equal(status.trim(), 'M README.md');
    });

    it('refuses to run when a protected path is a symlink it cannot hold in place', async () => {
      const ws = makeWorkspace(actor, { 'docs/x': 'x' });
      spawnSync('ln', ['-s', 'docs', join(ws, '.vscode')]);
      const out = await inBox(actor, 'echo RAN', { workspace: ws });
      assert.equal(out.code, 2);
      assert.doesNotMatch(out.stdout, /RAN/);
      assert.match(out.stderr, /^glassbox: protected path \.vscode is a symlink.*filesystem\.unprotect\n$/);
    });

    it('refuses a workspace that contains HOME, with one line and nothing run', async () => {
      const out = await glassbox(actor, ['run', '--workspace', actor.home, '--', 'touch', join(actor.home, 'ran')], { cwd: actor.home });
      assert.equal(out.code, 2);
      assert.match(out.stderr, /^glassbox: workspace .* contains your home directory.*\n$/);
      assert.equal(existsSync(join(actor.home, 'ran')), false);
    });

    it('blocks TIOCSTI on a shared terminal (control: the same ioctl works outside)', { skip: !toolAvailable('script') && 'script(1) missing' }, async () => {
      const ws = makeWorkspace(actor);
      const probe = `my $c = "x"; print(ioctl(STDIN, 0x5412, $c) ? "ESCAPED\\n" : "blocked: $!\\n"); print((-t STDIN) ? "tty\\n" : "notty\\n");`;
      writeFileSync(join(ws, 'probe.pl'), probe);
      const inside = shellQuote(glassboxArgv(actor, ws, ['perl', join(ws, 'probe.pl')]));
      const boxed = await runProcess(['script', '-qec', inside, '/dev/null'], { cwd: ws, timeoutMs: 30_000 });
      assert.match(boxed.stdout, /blocked: Operation not permitted/);
      assert.match(boxed.stdout, /tty/, 'the box must share the terminal for this to be meaningful');
      assert.doesNotMatch(boxed.stdout, /ESCAPED/);
      const control = await runProcess(['script', '-qec', shellQuote(asActor(actor, { PATH: '/usr/bin:/bin' }, ['perl', join(ws, 'probe.pl')])), '/dev/null'], { cwd: ws });
      assert.match(control.stdout, /ESCAPED/);
    });

    it('runs an interactive TUI (less) under tmux: renders, resizes, takes keys, exits', { skip: !toolAvailable('tmux') && 'tmux missing' }, async () => {
      const ws = makeWorkspace(actor, { 'long.txt': Array.from({ length: 200 }, (_, i) => `line ${i + 1} ${'x'.repeat(70)}`).join('\n') + '\n' });
      const sock = `gb-tui-${process.pid}-${actor.kind}`;
      const tmux = (...args: string[]) => {
        const argv = asActor(actor, { PATH: '/usr/bin:/bin', HOME: actor.home, TERM: 'xterm-256color' }, ['tmux', '-L', sock, ...args]);
        return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: ws });
      };
      const cmd = shellQuote(glassboxArgv(actor, ws, ['less', '-S', 'long.txt'], true)) + '; echo "exit=$?"; sleep 30';
      try {
        assert.equal(tmux('new-session', '-d', '-s', 'tui', '-x', '120', '-y', '30', cmd).status, 0);
        const screen = async (want: RegExp) => {
          let text = '';
          for (let i = 0; i < 100; i++) {
            text = tmux('capture-pane', '-p', '-t', 'tui').stdout;
            if (want.test(text)) return text;
            await sleep(100);
          }
          assert.fail(`screen never showed ${want}:\n${text}`);
        };
        await screen(/^line 1 x+/m);
        tmux('send-keys', '-t', 'tui', 'G');
        await screen(/^line 200 /m);
        tmux('resize-window', '-t', 'tui', '-x', '50', '-y', '30');
        // less -S chops long lines at the terminal width and marks them with '>'.
        const narrow = await screen(/^line 200 x+>$/m);
        const widest = Math.max(...narrow.split('\n').map((l) => l.trimEnd().length));
        assert.ok(widest <= 50, `less did not redraw for the new width (${widest} columns)`);
        tmux('send-keys', '-t', 'tui', 'q');
        await screen(/exit=0/);
      } finally {
        tmux('kill-server');
      }
    });
  });
}
