/** One server-sent event (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Incremental SSE parser: feed text as it arrives, get whole events; nothing is buffered beyond one event. */
export class SseParser {
  private pending = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  push(text: string): SseEvent[] {
    this.pending += text;
    const out: SseEvent[] = [];
    let nl: number;
    while ((nl = this.pending.search(/\r\n|\n|\r/)) >= 0) {
      const line = this.pending.slice(0, nl);
      const sepLen = this.pending.startsWith('\r\n', nl) ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (sepLen === 1 && this.pending[nl] === '\r' && nl === this.pending.length - 1) break;
      this.pending = this.pending.slice(nl + sepLen);
      if (line === '') {
        if (this.data.length > 0 || this.event) out.push({ event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}
