// HTTP/1.1 requests written byte for byte on a socket to nginx, for what
// fetch refuses to send (duplicate or injected headers, a GET with a body);
// the answer is parsed by hand (chunked or not) and recorded like every
// other answer from the API.
import net from 'node:net';
import { API, recordResponse } from './stack.mjs';

const FN = '/functions/v1/';
const apiUrl = new URL(API);

// One request; it must say Connection: close. Returns { status, headers, text }.
export function raw(request, { timeoutMs = 15000 } = {}) {
  const bytes = Buffer.isBuffer(request) ? request : Buffer.from(request, 'latin1');
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(Number(apiUrl.port), apiUrl.hostname);
    const chunks = [];
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error('raw request timed out')));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      try {
        const res = parseHttp(Buffer.concat(chunks));
        const [method, target] = bytes.subarray(0, bytes.indexOf('\r\n')).toString('latin1').split(' ');
        recordResponse({ via: 'socket', method, url: target, status: res.status, headers: res.headers, body: res.text });
        resolve(res);
      } catch (e) { reject(e); }
    });
    // Written, not ended: nginx takes a half-closed client for one that left (499).
    sock.write(bytes);
  });
}

export function parseHttp(buf) {
  const split = buf.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`no HTTP answer: ${JSON.stringify(buf.toString('latin1').slice(0, 200))}`);
  const [statusLine, ...lines] = buf.subarray(0, split).toString('latin1').split('\r\n');
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim().toLowerCase();
    headers[k] = k in headers ? `${headers[k]}, ${l.slice(i + 1).trim()}` : l.slice(i + 1).trim();
  }
  let body = buf.subarray(split + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    for (let off = 0; ;) {
      const eol = body.indexOf('\r\n', off);
      const size = parseInt(body.subarray(off, eol).toString(), 16);
      if (!size) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      off = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status: Number(statusLine.split(' ')[1]), headers, text: body.toString('utf8') };
}

// A request to a function: header lines as given, then Content-Length and Connection: close.
export function rawRequest({ fn, method = 'POST', query = '', headerLines = [], body = '' }) {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const head = [`${method} ${FN}${fn}${query} HTTP/1.1`, `Host: ${apiUrl.host}`, ...headerLines,
    `Content-Length: ${b.length}`, 'Connection: close'].join('\r\n');
  return raw(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), b]));
}
