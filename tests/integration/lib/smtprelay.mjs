// A small SMTP relay for the mailer's TLS tests, over real sockets: plain (no STARTTLS offered),
// STARTTLS-capable, or implicit TLS (smtps), with the certificate it is given. It records every
// command and message of every session and whether each came over TLS, so a test can show what
// reached the wire in clear. Only what libcurl's SMTP client sends is understood.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

// A self-signed certificate for `host` (its own CA: give cert.pem as the CA file).
export function makeCertificate(host) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffx-smtp-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${host}`,
    '-addext', `subjectAltName=DNS:${host}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { dir, keyFile: key, certFile: cert, key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

// mode: 'plain' | 'starttls' | 'implicit'. Returns { port, sessions, close() }.
export async function startRelay({ address, mode, key, cert }) {
  const sessions = [];
  const sockets = new Set();
  const open = (socket, secure) => {
    const session = { commands: [], messages: [] };
    sessions.push(session);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.write('220 relay.test ESMTP\r\n');
    converse(socket, session, secure, { mode, key, cert });
  };
  const server = mode === 'implicit'
    ? tls.createServer({ key, cert }, (s) => open(s, true))
    : net.createServer((s) => open(s, false));
  server.on('tlsClientError', () => { /* a client that refused our certificate: recorded as no session */ });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, resolve);
  });
  return {
    port: server.address().port,
    sessions,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(resolve);
    }),
  };
}

function converse(socket, session, secure, opts) {
  let buf = '';
  let data = null; // the message being received after DATA, else null
  const reply = (line) => socket.write(`${line}\r\n`);
  const onData = (chunk) => {
    buf += chunk.toString('latin1');
    for (let i; (i = buf.indexOf('\r\n')) >= 0;) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (data !== null) {
        if (line === '.') {
          session.messages.push({ data, tls: secure });
          data = null;
          reply('250 2.0.0 queued');
        } else {
          data += `${line.startsWith('.') ? line.slice(1) : line}\r\n`;
        }
        continue;
      }
      session.commands.push({ line, tls: secure });
      const verb = line.split(' ')[0].toUpperCase();
      if (verb === 'EHLO') {
        const starttls = opts.mode === 'starttls' && !secure;
        socket.write(['250-relay.test', ...(starttls ? ['250-STARTTLS'] : []), '250 8BITMIME', ''].join('\r\n'));
      } else if (verb === 'HELO') {
        reply('250 relay.test');
      } else if (verb === 'STARTTLS' && opts.mode === 'starttls' && !secure) {
        socket.removeListener('data', onData);
        reply('220 2.0.0 ready to start TLS');
        const upgraded = new tls.TLSSocket(socket, { isServer: true, key: opts.key, cert: opts.cert });
        upgraded.on('error', () => { /* the client refused our certificate */ });
        converse(upgraded, session, true, opts);
        return;
      } else if (['MAIL', 'RCPT', 'RSET', 'NOOP'].includes(verb)) {
        reply('250 2.0.0 ok');
      } else if (verb === 'DATA') {
        data = '';
        reply('354 go ahead');
      } else if (verb === 'QUIT') {
        reply('221 2.0.0 bye');
        socket.end();
      } else {
        reply('502 5.5.2 not implemented');
      }
    }
  };
  socket.on('data', onData);
  socket.on('error', () => { /* a client that went away */ });
}
