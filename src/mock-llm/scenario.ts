import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UserError } from '../errors.js';
import type { Scenario, Turn } from './server.js';

/** Reads a scenario (YAML or JSON): `turns: [{text}, {tool: {name, input}}, {tools: [...]}, ...]`, checked with clear errors. */
export function loadScenario(file: string): Scenario {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code ? `cannot read scenario ${file}: ${code}` : `scenario ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  if (!Array.isArray(d.turns) || d.turns.length === 0) throw new UserError(`scenario ${file}: needs \`turns:\`, a list of {text} or {tool: {name, input}}`);
  const turns: Turn[] = d.turns.map((t: unknown, i: number) => {
    const turn = (t ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(turn)) if (k !== 'text' && k !== 'tool' && k !== 'tools') throw new UserError(`scenario ${file}: turns[${i}].${k} is not a turn field (use text, tool or tools)`);
    if (turn.text !== undefined && typeof turn.text !== 'string') throw new UserError(`scenario ${file}: turns[${i}].text must be text`);
    if (turn.tools !== undefined && !Array.isArray(turn.tools)) throw new UserError(`scenario ${file}: turns[${i}].tools must be a list of {name, input}`);
    const tools = [...(turn.tool !== undefined ? [turn.tool] : []), ...((turn.tools as unknown[] | undefined) ?? [])].map((t, j) => {
      const tool = (t ?? {}) as Record<string, unknown>;
      if (typeof tool.name !== 'string' || typeof tool.input !== 'object' || tool.input === null) {
        throw new UserError(`scenario ${file}: turns[${i}] tool ${j + 1} needs name (text) and input (a mapping)`);
      }
      return { name: tool.name, input: tool.input as Record<string, unknown> };
    });
    if (turn.text === undefined && tools.length === 0) throw new UserError(`scenario ${file}: turns[${i}] has neither text nor tool`);
    return { ...(turn.text !== undefined ? { text: turn.text as string } : {}), ...(tools.length > 0 ? { tools } : {}) };
  });
  return { turns, ...(typeof d.model === 'string' ? { model: d.model } : {}) };
}
