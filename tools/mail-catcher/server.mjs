#!/usr/bin/env node
// mail-catcher: a development SMTP server that accepts every message and keeps it, plus an HTTP
// API to read them. Node 20, no dependencies. Never expose it: it listens on 127.0.0.1 only.
//
//   SMTP  127.0.0.1:$FFX_MAIL_PORT      (default 54325)  EHLO/HELO, AUTH PLAIN/LOGIN (any
//                                                       credentials), MAIL, RCPT, DATA, RSET,
//                                                       NOOP, VRFY, QUIT
//   HTTP  127.0.0.1:$FFX_MAIL_WEB_PORT  (default 54324)  GET /messages, GET /messages/:id,
//                                                       GET /messages/:id/raw, DELETE /messages
//
// MAIL_STORE_FILE=path keeps the messages across restarts (JSON, raw bytes as base64).
// Prints one JSON line {"msg":"listening",...} on stdout once both ports accept connections.
import net from 'node:net';
import http from 'node:http';
import fs from 'node:fs';

const HOST = '127.0.0.1';
const SMTP_PORT = Number(process.env.FFX_MAIL_PORT ?? 54325);
const WEB_PORT = Number(process.env.FFX_MAIL_WEB_PORT ?? 54324);
const STORE_FILE = process.env.MAIL_STORE_FILE || null;
const MAX_MESSAGE = 25 * 1024 * 1024;
const MAX_LINE = 4096;
const MAX_RCPT = 100;

const log = (msg, fields = {}) =>
  process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), svc: 'mail-catcher', msg, ...fields }) + '\n');

// ---- store --------------------------------------------------------------------------------------

let messages = []; // { id, from, to[], received_at, raw: Buffer }
let nextId = 1;

function loadStore() {
  if (!STORE_FILE || !fs.existsSync(STORE_FILE)) return;
  const saved = JSON.parse(fs.readFileSync(STORE_FILE, 'utf8'));
  messages = saved.messages.map((m) => ({ ...m, raw: Buffer.from(m.raw, 'base64') }));
  nextId = saved.next_id ?? messages.reduce((max, m) => Math.max(max, m.id), 0) + 1;
}

function saveStore() {
  if (!STORE_FILE) return;
  const tmp = `${STORE_FILE}.tmp`;
  const data = { next_id: nextId, messages: messages.map((m) => ({ ...m, raw: m.raw.toString('base64') })) };
  fs.writeFileSync(tmp, JSON.stringify(data));
  fs.renameSync(tmp, STORE_FILE);
}

// ---- MIME parsing (enough for what our mailer and common clients send) ---------------------------

// Split header block and body of a message or part given as a latin1 string (one char per byte).
function splitHeaders(s) {
  const m = /\r?\n\r?\n/.exec(s);
  const head = m ? s.slice(0, m.index) : s;
  const body = m ? s.slice(m.index + m[0].length) : '';
  const headers = new Map();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(i + 1).trim());
  }
  return { headers, body };
}

function decodeBytes(bytes, charset = 'utf-8') {
  try {
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

const latin1Bytes = (s) => Buffer.from(s, 'latin1');

function decodeQP(s) {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(soft.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

// RFC 2047 encoded words (B and Q); whitespace between adjacent encoded words is dropped.
function decodeWords(value) {
  if (value == null) return null;
  const re = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  const joined = value.replace(/(\?=)\s+(=\?)/g, '$1$2');
  const out = joined.replace(re, (_, charset, enc, text) => {
    const bytes = enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : decodeQP(text.replace(/_/g, ' '));
    return decodeBytes(bytes, charset.replace(/\*.*$/, ''));
  });
  // a header that was not encoded may still carry raw UTF-8 bytes (SMTPUTF8)
  return out === joined && /[\x80-\xff]/.test(out) ? decodeBytes(latin1Bytes(out)) : out;
}

function param(headerValue, name) {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(headerValue ?? '');
  return m ? (m[1] ?? m[2]) : null;
}

function partBody(headers, body) {
  const cte = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const charset = param(headers.get('content-type'), 'charset') ?? 'utf-8';
  let bytes;
  if (cte === 'base64') bytes = Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  else if (cte === 'quoted-printable') bytes = decodeQP(body);
  else bytes = latin1Bytes(body);
  return decodeBytes(bytes, charset);
}

// Walk the MIME tree; the first text/plain and text/html parts that are not attachments win.
function collectBodies(s, found = { text: null, html: null }, depth = 0) {
  const { headers, body } = splitHeaders(s);
  const type = (headers.get('content-type') ?? 'text/plain').split(';')[0].trim().toLowerCase();
  const attachment = /^attachment/i.test(headers.get('content-disposition') ?? '');
  if (type.startsWith('multipart/') && depth < 10) {
    const boundary = param(headers.get('content-type'), 'boundary');
    if (!boundary) return found;
    const delim = `--${boundary}`;
    const chunks = body.split(new RegExp(`(?:^|\\r?\\n)${delim.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    for (const chunk of chunks.slice(1)) {
      if (chunk.startsWith('--')) break; // closing delimiter
      collectBodies(chunk.replace(/^[ \t]*\r?\n/, ''), found, depth + 1);
    }
  } else if (!attachment && type === 'text/plain' && found.text === null) {
    found.text = partBody(headers, body);
  } else if (!attachment && type === 'text/html' && found.html === null) {
    found.html = partBody(headers, body);
  }
  return found;
}

function summary(m) {
  const s = m.raw.toString('latin1');
  const { headers } = splitHeaders(s);
  const { text, html } = collectBodies(s);
  return {
    id: m.id,
    from: m.from,
    to: m.to,
    subject: decodeWords(headers.get('subject') ?? null),
    message_id: headers.get('message-id') ?? null,
    date: headers.get('date') ?? null,
    header_from: decodeWords(headers.get('from') ?? null),
    header_to: decodeWords(headers.get('to') ?? null),
    text,
    html,
    size: m.raw.length,
    received_at: m.received_at,
  };
}

// ---- SMTP ---------------------------------------------------------------------------------------

function smtpSession(socket) {
  let buffer = Buffer.alloc(0);
  let state = 'command'; // command | data | auth-plain | auth-login-user | auth-login-pass
  let from = null;
  let rcpt = [];
  let data = [];
  let dataSize = 0;
  let tooBig = false;

  const reply = (line) => socket.write(`${line}\r\n`);
  const reset = () => {
    from = null;
    rcpt = [];
    data = [];
    dataSize = 0;
    tooBig = false;
  };
  const address = (arg, keyword) => {
    const m = new RegExp(`^${keyword}:\\s*<([^>]*)>`, 'i').exec(arg);
    return m ? m[1] : null;
  };

  function finishData() {
    state = 'command';
    if (tooBig) {
      reset();
      return reply('552 5.3.4 Message too big');
    }
    const raw = Buffer.concat(data);
    const m = { id: nextId++, from, to: rcpt, received_at: new Date().toISOString(), raw };
    messages.push(m);
    saveStore();
    log('message stored', { id: m.id, size: raw.length, rcpt: rcpt.length });
    reset();
    reply(`250 2.0.0 OK queued as ${m.id}`);
  }

  function dataLine(line) {
    // line is a Buffer without its CRLF
    if (line.length === 1 && line[0] === 0x2e) return finishData();
    const unstuffed = line[0] === 0x2e ? line.subarray(1) : line;
    dataSize += unstuffed.length + 2;
    if (dataSize > MAX_MESSAGE) tooBig = true;
    if (!tooBig) data.push(unstuffed, Buffer.from('\r\n'));
  }

  function command(text) {
    const m = /^([A-Za-z]+)(?:\s+(.*))?$/.exec(text);
    const verb = m ? m[1].toUpperCase() : '';
    const arg = m && m[2] ? m[2] : '';
    switch (verb) {
      case 'EHLO':
        reset();
        return socket.write(
          `250-mail-catcher greets ${arg || 'you'}\r\n250-SIZE ${MAX_MESSAGE}\r\n250-8BITMIME\r\n` +
          '250-SMTPUTF8\r\n250-AUTH PLAIN LOGIN\r\n250 HELP\r\n');
      case 'HELO':
        reset();
        return reply('250 mail-catcher');
      case 'AUTH': {
        const [mech, initial] = arg.split(/\s+/);
        if (/^plain$/i.test(mech)) {
          if (initial) return reply('235 2.7.0 Authentication successful');
          state = 'auth-plain';
          return reply('334 ');
        }
        if (/^login$/i.test(mech)) {
          state = 'auth-login-user';
          return reply('334 VXNlcm5hbWU6');
        }
        return reply('504 5.5.4 Unrecognized authentication type');
      }
      case 'MAIL': {
        const a = address(arg, 'FROM');
        if (a === null) return reply('501 5.5.4 Syntax: MAIL FROM:<address>');
        reset();
        from = a;
        return reply('250 2.1.0 OK');
      }
      case 'RCPT': {
        if (from === null) return reply('503 5.5.1 MAIL first');
        const a = address(arg, 'TO');
        if (!a) return reply('501 5.5.4 Syntax: RCPT TO:<address>');
        if (rcpt.length >= MAX_RCPT) return reply('452 4.5.3 Too many recipients');
        rcpt.push(a);
        return reply('250 2.1.5 OK');
      }
      case 'DATA':
        if (rcpt.length === 0) return reply('503 5.5.1 RCPT first');
        state = 'data';
        return reply('354 End data with <CR><LF>.<CR><LF>');
      case 'RSET':
        reset();
        return reply('250 2.0.0 OK');
      case 'NOOP':
        return reply('250 2.0.0 OK');
      case 'VRFY':
        return reply('252 2.5.2 Cannot VRFY user');
      case 'QUIT':
        socket.end('221 2.0.0 Bye\r\n');
        return undefined;
      default:
        return reply('502 5.5.2 Command not recognized');
    }
  }

  function line(buf) {
    if (state === 'data') return dataLine(buf);
    const text = buf.toString('utf8');
    if (state === 'auth-plain') {
      state = 'command';
      return reply('235 2.7.0 Authentication successful');
    }
    if (state === 'auth-login-user') {
      state = 'auth-login-pass';
      return reply('334 UGFzc3dvcmQ6');
    }
    if (state === 'auth-login-pass') {
      state = 'command';
      return reply('235 2.7.0 Authentication successful');
    }
    return command(text);
  }

  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const i = buffer.indexOf('\n');
      if (i < 0) break;
      const end = i > 0 && buffer[i - 1] === 0x0d ? i - 1 : i;
      const l = buffer.subarray(0, end);
      buffer = buffer.subarray(i + 1);
      line(l);
      if (socket.destroyed) return;
    }
    if (state !== 'data' && buffer.length > MAX_LINE) {
      socket.end('500 5.5.6 Line too long\r\n');
      buffer = Buffer.alloc(0);
    }
  });
  socket.on('error', () => {});
  socket.setTimeout(300000, () => socket.end('421 4.4.2 Timeout\r\n'));
  reply('220 mail-catcher ESMTP ready');
}

// ---- HTTP ---------------------------------------------------------------------------------------

function send(res, status, body, type = 'application/json') {
  const text = type === 'application/json' ? JSON.stringify(body) : body;
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(text);
}

function web(req, res) {
  const url = new URL(req.url, `http://${HOST}`);
  const path = url.pathname.replace(/\/+$/, '') || '/';
  let m;
  if (req.method === 'GET' && path === '/messages') return send(res, 200, messages.map(summary));
  if (req.method === 'DELETE' && path === '/messages') {
    const deleted = messages.length;
    messages = [];
    saveStore();
    return send(res, 200, { deleted });
  }
  if ((m = /^\/messages\/(\d+)(\/raw)?$/.exec(path))) {
    const msg = messages.find((x) => x.id === Number(m[1]));
    if (!msg) return send(res, 404, { error: 'not found' });
    if (req.method === 'GET' && m[2]) {
      res.writeHead(200, { 'content-type': 'message/rfc822', 'cache-control': 'no-store' });
      return res.end(msg.raw);
    }
    if (req.method === 'GET') return send(res, 200, summary(msg));
    if (req.method === 'DELETE') {
      messages = messages.filter((x) => x !== msg);
      saveStore();
      return send(res, 200, { deleted: 1 });
    }
  }
  if (req.method === 'GET' && path === '/') return send(res, 200, { service: 'mail-catcher', messages: messages.length });
  return send(res, 404, { error: 'not found' });
}

// ---- main ---------------------------------------------------------------------------------------

loadStore();
const sessions = new Set();
const smtp = net.createServer((socket) => {
  sessions.add(socket);
  socket.on('close', () => sessions.delete(socket));
  smtpSession(socket);
});
const api = http.createServer(web);
let listening = 0;
const ready = () => {
  if (++listening === 2) log('listening', { smtp_port: SMTP_PORT, web_port: WEB_PORT, stored: messages.length });
};
for (const [server, port] of [[smtp, SMTP_PORT], [api, WEB_PORT]]) {
  server.on('error', (err) => {
    log('could not listen', { port, error: err.message });
    process.exit(1);
  });
  server.listen(port, HOST, ready);
}

// Stop listening and drop open connections at once, so the ports are free when the process is gone.
function stop() {
  smtp.close();
  api.close();
  for (const socket of sessions) socket.destroy();
  api.closeAllConnections();
  log('stopped');
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
