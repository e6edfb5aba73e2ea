import type { LlmExchange } from '../../inspect/flow.js';
import { anthropicRewriter } from './anthropic.js';
import { geminiRewriter } from './gemini.js';
import { openaiChatRewriter } from './openai-chat.js';
import { openaiResponsesRewriter } from './openai-responses.js';
import type { Decide, ResponseRewriter } from './types.js';

export type { ResponseRewriter, WireEvent } from './types.js';

/** The rewriter that speaks an exchange's API. */
export function rewriterFor(api: LlmExchange['api'], decide: Decide): ResponseRewriter {
  switch (api) {
    case 'anthropic.messages':
      return anthropicRewriter(decide);
    case 'openai.chat':
      return openaiChatRewriter(decide);
    case 'openai.responses':
      return openaiResponsesRewriter(decide);
    case 'gemini':
      return geminiRewriter(decide);
  }
}
