import { UserError } from '../../errors.js';
import { loadScenario } from '../../mock-llm/scenario.js';
import { MockLlm } from '../../mock-llm/server.js';
import { parseArgs, portOption, untilStopped } from '../args.js';

export const MOCK_HELP = `usage: glassbox mock-llm [--port N] [--host ADDR] [--scenario FILE] [--record FILE]

A local inference server for offline drills: Anthropic Messages, OpenAI Chat Completions and
Responses (SSE and WebSocket), Gemini generateContent. It plays the scenario's turns in order
(one per tool result in the conversation) and records every request (--record appends JSONL;
GET /_mock/requests returns them). Point an agent at it with network.route.

scenario:  turns:
             - text: "Let me look."
               tool: { name: Bash, input: { command: "ls" } }
             - text: "Done."`;

export async function mockLlmCommand(argv: string[]): Promise<number> {
  const { options } = parseArgs(
    argv,
    [{ name: 'port', value: 'a port number' }, { name: 'host', value: 'an address to listen on' }, { name: 'scenario', value: 'a scenario YAML/JSON file' }, { name: 'record', value: 'a JSONL file to append requests to' }, { name: 'help', short: 'h' }],
    'mock-llm',
  );
  if (options.help) {
    process.stdout.write(MOCK_HELP + '\n');
    return 0;
  }
  const port = portOption(options.port, 18080);
  const scenario = typeof options.scenario === 'string' ? loadScenario(options.scenario) : undefined;
  const mock = new MockLlm(scenario, typeof options.record === 'string' ? options.record : undefined);
  let bound: number;
  try {
    bound = await mock.listen(port, typeof options.host === 'string' ? options.host : '127.0.0.1');
  } catch (err) {
    throw new UserError(`cannot listen on port ${port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; choose another with --port`);
  }
  process.stdout.write(`mock-llm listening on http://${typeof options.host === 'string' ? options.host : '127.0.0.1'}:${bound}\n`);
  await untilStopped();
  await mock.close();
  return 0;
}
