import type { Socket } from 'node:net';

/**
 * SOCKS5 (RFC 1928) server side, CONNECT only, no authentication: enough for clients that
 * speak SOCKS instead of HTTP CONNECT. Hands the requested host:port to the same policy path.
 */
export interface SocksReply {
  ok(): void;
  /** 0x02: not allowed by ruleset; 0x04: host unreachable; 0x07: command not supported. */
  fail(code: 0x02 | 0x04 | 0x05 | 0x07 | 0x08): void;
}

export function socks5Handshake(socket: Socket, first: Buffer, onConnect: (host: string, port: number, reply: SocksReply) => void, onError: (reason: string) => void): void {
  let buf = first;
  let stage: 'greeting' | 'request' = 'greeting';
  const reply = (code: number) => Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
  const feed = (chunk?: Buffer) => {
    if (chunk) buf = Buffer.concat([buf, chunk]);
    if (stage === 'greeting') {
      if (buf.length < 2) return;
      const n = buf[1]!;
      if (buf.length < 2 + n) return;
      const methods = buf.subarray(2, 2 + n);
      buf = buf.subarray(2 + n);
      if (!methods.includes(0x00)) {
        socket.end(Buffer.from([0x05, 0xff]));
        return onError('SOCKS5 client offered no supported authentication method');
      }
      socket.write(Buffer.from([0x05, 0x00]));
      stage = 'request';
    }
    if (buf.length < 5) return;
    if (buf[0] !== 0x05) {
      socket.destroy();
      return onError('malformed SOCKS5 request');
    }
    const cmd = buf[1]!;
    const atyp = buf[3]!;
    let host: string;
    let off: number;
    if (atyp === 0x01) {
      if (buf.length < 10) return;
      host = [...buf.subarray(4, 8)].join('.');
      off = 8;
    } else if (atyp === 0x03) {
      const len = buf[4]!;
      if (buf.length < 5 + len + 2) return;
      host = buf.subarray(5, 5 + len).toString('latin1');
      off = 5 + len;
    } else if (atyp === 0x04) {
      if (buf.length < 22) return;
      const parts: string[] = [];
      for (let i = 0; i < 16; i += 2) parts.push(buf.readUInt16BE(4 + i).toString(16));
      host = parts.join(':');
      off = 20;
    } else {
      socket.end(reply(0x08));
      return onError(`SOCKS5 address type ${atyp} not supported`);
    }
    const port = buf.readUInt16BE(off);
    const rest = buf.subarray(off + 2);
    socket.removeListener('data', feed);
    if (rest.length > 0) socket.unshift(rest);
    if (cmd !== 0x01) {
      socket.end(reply(0x07));
      return onError(`SOCKS5 command ${cmd} not supported (only CONNECT)`);
    }
    socket.pause();
    onConnect(host, port, {
      ok: () => socket.write(reply(0x00)),
      fail: (code) => socket.end(reply(code)),
    });
  };
  socket.on('data', feed);
  feed();
}
