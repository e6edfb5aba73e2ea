import { hiddenCharacters } from '../probe/chars.js';
import type { Inspector } from './chain.js';
import type { Flow } from './flow.js';

/**
 * The live half of `glassbox probe`: invisible characters and look-alike letters in prompt text
 * are how a signal rides along unseen (and how injected instructions hide in files), so every
 * LLM request's blocks are checked and what is found is recorded with its code points.
 */
export class HiddenCharsInspector implements Inspector {
  readonly name = 'hidden-chars';

  onRequest(flow: Flow): void {
    if (!flow.llm) return;
    for (const block of flow.blocks) {
      const found = hiddenCharacters(block.text);
      if (found.length === 0) continue;
      const kinds = [...new Set(found.map((f) => f.kind))].join(' and ');
      flow.findings.push({
        inspector: this.name,
        severity: 'warning',
        message: `${found.length}${found.length >= 20 ? '+' : ''} ${kinds} character${found.length === 1 ? '' : 's'} in ${block.path}`,
        path: block.path,
        characters: found.map((f) => ({ at: f.index, codePoint: f.codePoint, kind: f.kind, ...(f.looksLike ? { looksLike: f.looksLike } : {}) })),
      });
    }
  }
}
