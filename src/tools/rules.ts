import { posix } from 'node:path';
import type { ToolAction, ToolPolicy, ToolRule } from '../policy/types.js';
import { callFacts, normalisePath, type CallFacts } from './facts.js';
import { asList, wildcard } from '../util/glob.js';

/** The policy's answer for one tool call, before any approval. */
export interface Verdict {
  action: ToolAction;
  /** Index into tools.rules of the rule that decided, absent when the default did. */
  rule?: number;
  reason: string;
  facts: CallFacts;
}

interface CompiledRule {
  source: ToolRule;
  tools?: RegExp[];
  commands?: RegExp[];
  paths?: RegExp[];
}

const escape = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** Commands: `*` matches anything (spaces and slashes too), `?` one character; runs of spaces are one. */
function commandGlob(g: string): RegExp {
  const body = g
    .trim()
    .replace(/\s+/g, ' ')
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c === ' ' ? ' +' : escape(c)))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

/** Paths: `**` crosses directories, `*` and `?` do not; `~` and relative patterns are anchored like paths. */
function pathGlob(g: string, workspace: string, home: string): RegExp {
  const abs = normalisePath(g, workspace, home) ?? g;
  let re = '';
  for (let i = 0; i < abs.length; i++) {
    const c = abs[i]!;
    if (c === '*' && abs[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}

/**
 * Tool-call rules, first match wins (policy-file rules come before preset and default ones, so
 * a file can allow what a default asks about). A rule matches when every condition it has
 * matches: any of its tool names, any of its command patterns against any simple command (or
 * whole command line), any of its path patterns against any named path or a parent of it.
 */
export class ToolRules {
  private readonly rules: CompiledRule[];

  constructor(
    private readonly policy: ToolPolicy,
    private readonly workspace: string,
    private readonly home: string,
  ) {
    this.rules = policy.rules.map((r) => {
      // Tool names match in any case: agents spell them `Bash`, `shell`, `run_shell_command`.
      return {
        source: r,
        ...(r.tool !== undefined ? { tools: asList(r.tool).map((t) => wildcard(t, 'i')) } : {}),
        ...(r.command !== undefined ? { commands: asList(r.command).map(commandGlob) } : {}),
        ...(r.path !== undefined ? { paths: asList(r.path).map((p) => pathGlob(p, workspace, home)) } : {}),
      };
    });
  }

  evaluate(name: string, input: string, cwd = this.workspace): Verdict {
    const facts = callFacts(input, cwd, this.home);
    const lines = [...facts.segments, ...facts.commands.map((c) => c.trim().replace(/\s+/g, ' '))];
    const pathsAndParents = facts.paths.flatMap(ancestors);
    for (const [i, r] of this.rules.entries()) {
      if (r.tools && !r.tools.some((t) => t.test(name))) continue;
      if (r.commands && !r.commands.some((c) => lines.some((l) => c.test(l)))) continue;
      if (r.paths && !r.paths.some((p) => pathsAndParents.some((x) => p.test(x)))) continue;
      return { action: r.source.action, rule: i, reason: r.source.reason ?? describeRule(r.source, i), facts };
    }
    return { action: this.policy.default, reason: `tools.default is ${this.policy.default}`, facts };
  }
}

function ancestors(p: string): string[] {
  const out = [p];
  for (let d = posix.dirname(p); d !== out[out.length - 1]; d = posix.dirname(d)) out.push(d);
  return out;
}

export function describeRule(r: ToolRule, i: number): string {
  const parts = [
    r.tool !== undefined ? `tool ${asList(r.tool).join('|')}` : '',
    r.command !== undefined ? `command ${asList(r.command).map((c) => JSON.stringify(c)).join('|')}` : '',
    r.path !== undefined ? `path ${asList(r.path).join('|')}` : '',
  ].filter(Boolean);
  return `tools.rules[${i}] (${r.action} ${parts.join(', ') || 'every call'})`;
}
