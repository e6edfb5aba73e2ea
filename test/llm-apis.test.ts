/**
 * Every LLM API adapter against mock-llm's real wire format, streamed and whole: what the model
 * was asked (system, messages, tool results) and what it answered (text, tool calls, usage).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { JsonlEventSink } from '../src/audit/events.js';
import { buildChain, EgressLedger } from '../src/inspect/index.js';
import { MockLlm } from '../src/mock-llm/server.js';
import { EgressProxy } from '../src/proxy/server.js';

type Llm = { api: string; model: string; stream: boolean; messages: number; toolResults: number; text: string; toolCalls: { name: string; input: string }[]; usage: { inputTokens?: number; outputTokens?: number }; stopReason?: string };

describe('LLM API adapters through the proxy', () => {
  let mock: MockLlm;
  let proxy: EgressProxy;
  let port = 0;
  let mockPort = 0;
  const events = new JsonlEventSink('apis');

  before(async () => {
    mock = new MockLlm({ turns: [{ text: 'Checking the repository now.', tool: { name: 'run_shell', input: { command: 'git status' } } }, { text: 'Clean tree.' }] });
    mockPort = await mock.listen(0);
    // Plain-HTTP proxy requests are inspected like intercepted ones: this exercises the same chain.
    proxy = new EgressProxy({ allow: [{ host: '127.0.0.1', ports: [mockPort] }], events, chain: buildChain({ events, credentials: [], ledger: new EgressLedger() }) });
    port = await proxy.listenTcp(0);
  });
  after(async () => {
    await proxy.close();
    await mock.close();
  });

  async function call(path: string, body: unknown): Promise<Llm> {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: `http://127.0.0.1:${mockPort}${path}`, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
    await new Promise((r) => setTimeout(r, 20));
    return (events.events.filter((e) => e.kind === 'http').at(-1) as unknown as { llm: Llm }).llm;
  }

  for (const stream of [true, false]) {
    it(`OpenAI Chat Completions (${stream ? 'SSE' : 'JSON'})`, async () => {
      const llm = await call('/v1/chat/completions', {
        model: 'gpt-test',
        stream,
        tools: [{ type: 'function', function: { name: 'run_shell' } }],
        messages: [
          { role: 'system', content: 'You are careful.' },
          { role: 'user', content: 'status?' },
        ],
      });
      assert.equal(llm.api, 'openai.chat');
      assert.equal(llm.model, 'gpt-test');
      assert.equal(llm.messages, 1);
      assert.equal(llm.text, 'Checking the repository now.');
      assert.deepEqual(llm.toolCalls.map((t) => [t.name, JSON.parse(t.input)]), [['run_shell', { command: 'git status' }]]);
      assert.equal(llm.stopReason, 'tool_calls');
      assert.deepEqual(llm.usage, { inputTokens: 100, outputTokens: 20 });
    });

    it(`Gemini ${stream ? 'streamGenerateContent (SSE)' : 'generateContent'}`, async () => {
      const llm = await call(`/v1beta/models/gemini-test:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`, {
        systemInstruction: { parts: [{ text: 'Be brief.' }] },
        tools: [{ functionDeclarations: [{ name: 'run_shell' }] }],
        contents: [
          { role: 'user', parts: [{ text: 'status?' }] },
          { role: 'model', parts: [{ functionCall: { name: 'run_shell', args: { command: 'git status' } } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'run_shell', response: { output: 'nothing to commit' } } }] },
        ],
      });
      assert.equal(llm.api, 'gemini');
      assert.equal(llm.model, 'gemini-test');
      assert.equal(llm.stream, stream);
      assert.equal(llm.toolResults, 1);
      assert.equal(llm.text, 'Clean tree.');
      assert.deepEqual(llm.usage, { inputTokens: 100, outputTokens: 20 });
    });

    it(`OpenAI Responses over HTTP (${stream ? 'SSE' : 'JSON'})`, async () => {
      const llm = await call('/v1/responses', { model: 'gpt-resp', stream, instructions: 'Be careful.', tool_choice: 'auto', input: [{ role: 'user', content: [{ type: 'input_text', text: 'status?' }] }] });
      assert.equal(llm.api, 'openai.responses');
      assert.equal(llm.text, 'Checking the repository now.');
      assert.deepEqual(llm.toolCalls.map((t) => t.name), ['run_shell']);
      assert.equal(llm.usage.inputTokens, 100);
    });

    it(`Anthropic Messages (${stream ? 'SSE' : 'JSON'}) with a tool result in the history`, async () => {
      const llm = await call('/v1/messages', {
        model: 'claude-test',
        stream,
        system: [{ type: 'text', text: 'You are an agent.' }],
        tools: [{ name: 'run_shell' }],
        messages: [
          { role: 'user', content: 'status?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'run_shell', input: { command: 'git status' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'nothing to commit' }] },
        ],
      });
      assert.equal(llm.api, 'anthropic.messages');
      assert.equal(llm.toolResults, 1);
      assert.equal(llm.text, 'Clean tree.');
      assert.equal(llm.stopReason, 'end_turn');
    });
  }
});

describe('mock-llm structured output', () => {
  it('answers a JSON-schema request with JSON that fits the schema (routers and classifiers do not retry)', async () => {
    const mock = new MockLlm({ turns: [{ text: 'free text' }] });
    const port = await mock.listen(0);
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'route this' }] }],
      generationConfig: { responseMimeType: 'application/json', responseJsonSchema: { type: 'OBJECT', properties: { reasoning: { type: 'STRING' }, score: { type: 'INTEGER', minimum: 1 }, model: { type: 'STRING', enum: ['flash', 'pro'] }, tags: { type: 'ARRAY' } } } },
    };
    const res = await fetch(`http://127.0.0.1:${port}/v1beta/models/m:generateContent`, { method: 'POST', body: JSON.stringify(body) });
    const json = (await res.json()) as { candidates: { content: { parts: { text: string }[] } }[] };
    await mock.close();
    assert.deepEqual(JSON.parse(json.candidates[0]!.content.parts[0]!.text), { reasoning: 'mock', score: 1, model: 'flash', tags: [] });
  });
});
