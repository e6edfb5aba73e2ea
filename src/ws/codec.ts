import { createHash, randomBytes } from 'node:crypto';

/**
 * RFC 6455 framing: enough to relay and read WebSocket messages (text, binary, control frames,
 * fragmentation, masking). Extensions such as permessage-deflate are not negotiated.
 */

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(clientKey: string): string {
  return createHash('sha1').update(clientKey + GUID).digest('base64');
}

export const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Encodes one frame; clients must mask, servers must not. */
export function encodeFrame(opcode: number, payload: Buffer, mask: boolean, fin = true): Buffer {
  const len = payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 0xff);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((len / 2 ** 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = payload[i]! ^ key[i & 3]!;
  return Buffer.concat([Buffer.from(head), key, masked]);
}

/** Incremental frame parser: feed bytes, get whole frames and whole messages. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;

  constructor(private readonly maxMessage = 64 * 1024 * 1024) {}

  /** Returns complete data messages (text/binary, reassembled) and control frames seen. */
  push(chunk: Buffer): { messages: { opcode: number; data: Buffer }[]; control: Frame[] } {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const messages: { opcode: number; data: Buffer }[] = [];
    const control: Frame[] = [];
    for (;;) {
      const frame = this.nextFrame();
      if (!frame) break;
      if (frame.opcode >= 8) {
        control.push(frame);
        continue;
      }
      if (frame.opcode !== OP.continuation) {
        this.fragments = [];
        this.fragmentOpcode = frame.opcode;
      }
      this.fragments.push(frame.payload);
      if (this.fragments.reduce((n, f) => n + f.length, 0) > this.maxMessage) throw new Error('websocket message too large');
      if (frame.fin) {
        messages.push({ opcode: this.fragmentOpcode, data: Buffer.concat(this.fragments) });
        this.fragments = [];
      }
    }
    return { messages, control };
  }

  private nextFrame(): Frame | undefined {
    const b = this.buf;
    if (b.length < 2) return undefined;
    const fin = (b[0]! & 0x80) !== 0;
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    let len = b[1]! & 0x7f;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return undefined;
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return undefined;
      len = Number(b.readBigUInt64BE(2));
      off = 10;
    }
    if (len > this.maxMessage) throw new Error('websocket frame too large');
    const maskLen = masked ? 4 : 0;
    if (b.length < off + maskLen + len) return undefined;
    let payload = b.subarray(off + maskLen, off + maskLen + len);
    if (masked) {
      const key = b.subarray(off, off + 4);
      const out = Buffer.alloc(len);
      for (let i = 0; i < len; i++) out[i] = payload[i]! ^ key[i & 3]!;
      payload = out;
    }
    this.buf = b.subarray(off + maskLen + len);
    return { fin, opcode, payload };
  }
}
