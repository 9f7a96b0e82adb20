// A minimal FastCGI client (responder role), enough to talk to a function
// process directly, with control over when each part of the request is sent.
// Complete answers are recorded for the OpenAPI check unless recorded is false.
import net from 'node:net';
import { recordResponse } from './stack.mjs';

const BEGIN_REQUEST = 1, END_REQUEST = 3, PARAMS = 4, STDIN = 5, STDOUT = 6;

function record(type, content = Buffer.alloc(0)) {
  const head = Buffer.alloc(8);
  head.writeUInt8(1, 0);            // version
  head.writeUInt8(type, 1);
  head.writeUInt16BE(1, 2);         // request id
  head.writeUInt16BE(content.length, 4);
  return Buffer.concat([head, content]);
}

function nvLength(n) {
  if (n < 128) return Buffer.from([n]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0);
  return b;
}

function encodeParams(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    const kb = Buffer.from(k), vb = Buffer.from(String(v));
    parts.push(nvLength(kb.length), nvLength(vb.length), kb, vb);
  }
  return Buffer.concat(parts);
}

// Open a request; returns { send(bodyChunk), end(), response: Promise<{status, headers, body}> }.
export function openRequest(socketPath, params, { recorded = true } = {}) {
  const sock = net.createConnection(socketPath);
  const chunks = [];
  const response = new Promise((resolve, reject) => {
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      const res = parseResponse(Buffer.concat(chunks));
      if (recorded && res.ended && res.status > 0 && params.DOCUMENT_URI) {
        const { status, ...headers } = res.headers;
        recordResponse({ via: 'fastcgi', method: params.REQUEST_METHOD ?? 'GET', url: params.DOCUMENT_URI, status: res.status, headers, body: res.body });
      }
      resolve(res);
    });
  });
  const begin = Buffer.alloc(8);
  begin.writeUInt16BE(1, 0);        // FCGI_RESPONDER
  sock.write(record(BEGIN_REQUEST, begin));
  sock.write(record(PARAMS, encodeParams(params)));
  sock.write(record(PARAMS));
  return {
    send: (data) => sock.write(record(STDIN, Buffer.from(data))),
    end: () => sock.write(record(STDIN)),
    response,
  };
}

function parseResponse(buf) {
  let stdout = Buffer.alloc(0), ended = false;
  for (let off = 0; off + 8 <= buf.length;) {
    const type = buf.readUInt8(off + 1), len = buf.readUInt16BE(off + 4), pad = buf.readUInt8(off + 6);
    const content = buf.subarray(off + 8, off + 8 + len);
    if (type === STDOUT) stdout = Buffer.concat([stdout, content]);
    if (type === END_REQUEST) ended = true;
    off += 8 + len + pad;
  }
  const text = stdout.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  const headers = Object.fromEntries(head.split('\r\n').filter(Boolean).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()];
  }));
  const status = Number((headers.status ?? '0').split(' ')[0]);
  return { ended, status, headers, body: split >= 0 ? text.slice(split + 4) : '' };
}
