import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UserError } from '../errors.js';
import type { Scenario, Turn } from './server.js';

/** Reads a scenario (YAML or JSON): `turns: [{text}, {tool: {name, input}}, ...]`, checked with clear errors. */
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
    for (const k of Object.keys(turn)) if (k !== 'text' && k !== 'tool') throw new UserError(`scenario ${file}: turns[${i}].${k} is not a turn field (use text or tool)`);
    if (turn.text !== undefined && typeof turn.text !== 'string') throw new UserError(`scenario ${file}: turns[${i}].text must be text`);
    const tool = turn.tool as Record<string, unknown> | undefined;
    if (tool !== undefined && (typeof tool.name !== 'string' || typeof tool.input !== 'object' || tool.input === null)) {
      throw new UserError(`scenario ${file}: turns[${i}].tool needs name (text) and input (a mapping)`);
    }
    if (turn.text === undefined && tool === undefined) throw new UserError(`scenario ${file}: turns[${i}] has neither text nor tool`);
    return { ...(turn.text !== undefined ? { text: turn.text as string } : {}), ...(tool ? { tool: { name: tool.name as string, input: tool.input as Record<string, unknown> } } : {}) };
  });
  return { turns, ...(typeof d.model === 'string' ? { model: d.model } : {}) };
}
