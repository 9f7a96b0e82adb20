// E-mail delivery: the real ffx-mailer against a mail catcher of its own (tools/mail-catcher) and a
// database of its own on the stack's PostgreSQL (created from the migrations, dropped at the end),
// so nothing else on the stack can claim its messages or be claimed by it.
//
// Environment (set by scripts/test): DATABASE_URL (a superuser), FFX_FUNCTIONS_DATABASE_URL (the
// functions' login role, used by the mailer; falls back to DATABASE_URL), FFX_BUILD_DIR.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, BUILD_DIR, freePorts, psql, scratchDatabase, sleep, waitFor } from './lib/stack.mjs';
import { makeCertificate, startRelay } from './lib/smtprelay.mjs';

// FFX_MAILER_BIN runs these tests against another build of the mailer (another branch's, to
// compare what each sends).
const MAILER = process.env.FFX_MAILER_BIN ?? path.join(BUILD_DIR, 'bin', 'ffx-mailer');
const CATCHER = path.join(ROOT, 'tools', 'mail-catcher', 'server.mjs');
const [SMTP_PORT, WEB_PORT] = await freePorts(2);
const DB = `ffx_mailer_it_${process.pid}`;

const db = scratchDatabase(DB);
const ADMIN_URL = db.superUrl;
const MAILER_URL = db.functionsUrl;

const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
const messageId = (outboxId) => `<outbox-${outboxId}@flashfundx.local>`;

// Run SQL as the superuser on the test database; rows as arrays of strings.
const sql = (query, url = ADMIN_URL) => psql(url, query);

// ---- the mail catcher -----------------------------------------------------------------------------

let catcher = null;

async function startCatcher() {
  const child = spawn(process.execPath, [CATCHER], {
    env: { PATH: process.env.PATH, FFX_MAIL_PORT: String(SMTP_PORT), FFX_MAIL_WEB_PORT: String(WEB_PORT) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let out = '';
  const ready = await new Promise((resolve) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('"msg":"listening"')) resolve(true);
    });
    exited.then(() => resolve(false));
  });
  assert.ok(ready, `mail catcher did not start: ${out}`);
  catcher = { child, exited };
}

async function stopCatcher() {
  if (!catcher) return;
  catcher.child.kill('SIGTERM');
  await catcher.exited;
  catcher = null;
}

async function messages() {
  const res = await fetch(`http://127.0.0.1:${WEB_PORT}/messages`);
  assert.equal(res.status, 200);
  return res.json();
}

const messagesFor = async (outboxId) => (await messages()).filter((m) => m.message_id === messageId(outboxId));

// ---- the mailer -----------------------------------------------------------------------------------

const logs = []; // every line any mailer run wrote, for the secrecy checks at the end

function mailerEnv(extra = {}) {
  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: MAILER_URL,
    FFX_SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
    FFX_MAIL_POLL_MS: '200',
    FFX_LOG_LEVEL: 'debug',
    ...extra,
  };
  for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) if (process.env[k]) env[k] = process.env[k];
  return env;
}

function startMailer(args, extra) {
  const child = spawn(MAILER, args, { env: mailerEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { child, out: '' };
  child.stdout.on('data', (d) => { run.out += d; });
  child.stderr.on('data', (d) => { run.out += d; });
  run.done = new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    // 'close', not 'exit': the last log lines may still be in the pipe when the process exits
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      logs.push(...run.out.split('\n').filter(Boolean));
      resolve({ code, signal, out: run.out });
    });
  });
  return run;
}

const runOnce = (extra) => startMailer(['--once'], extra).done;

// ---- fixtures -------------------------------------------------------------------------------------

const secrets = [];
let seq = 0;

// A delivered order: user, order, inventory row, delivered account and (unless outbox is false)
// its account_delivery e-mail in the outbox, the way the delivery transaction writes it.
function delivery({ outbox = true } = {}) {
  seq += 1;
  const tag = `${process.pid}-${seq}`;
  const d = {
    email: `mailer-${tag}@example.com`,
    login: `7${process.pid}${seq}`,
    server: `FlashFundX-Live${String(seq).padStart(2, '0')}`,
    password: `Pw-${tag}-S3cret!`,
    investor: `Inv-${tag}-S3cret!`,
  };
  secrets.push(d.password, d.investor);
  const [[orderId]] = sql(`
    insert into auth.users (id, email, raw_user_meta_data)
    values (gen_random_uuid(), ${lit(d.email)}, '{"first_name": "Zoë"}');
    with o as (
      insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
      select id, 'one_step', 10000, 'mt4', 649, 649 from auth.users where email = ${lit(d.email)}
      returning order_id, user_id),
    c as (
      insert into public.account_container (account_size, platform_type, server_name, login_id, password,
                                            investor_password, status)
      values (10000, 'mt4', ${lit(d.server)}, ${lit(d.login)}, ${lit(d.password)}, ${lit(d.investor)}, 'delivered')
      returning id)
    insert into public.delivered_accounts (order_id, user_id, container_account_id, account_type, account_size,
                                           platform_type, server_name, login_id, password, investor_password,
                                           current_phase)
    select o.order_id, o.user_id, c.id, 'one_step', 10000, 'mt4', ${lit(d.server)}, ${lit(d.login)},
           ${lit(d.password)}, ${lit(d.investor)}, 'challenge'
      from o, c
    returning order_id;`);
  d.orderId = orderId;
  if (outbox) d.outboxId = enqueue(d, 'account_delivery');
  return d;
}

function enqueue(d, template, variables) {
  const vars = variables ?? {
    first_name: 'Zoë', order_id: d.orderId, account_type: 'one_step', account_size: 10000, platform_type: 'mt4',
    server_name: d.server, login_id: d.login, password: d.password, investor_password: d.investor,
  };
  const [[id]] = sql(`
    insert into public.email_outbox (order_id, template_name, to_email, variables)
    values (${lit(d.orderId)}, ${lit(template)}, ${lit(d.email)}, ${lit(JSON.stringify(vars))}::jsonb)
    returning id;`);
  return id;
}

const outboxRow = (id) => sql(`
  select status, attempts, sent_at is not null, locked_until is null, next_attempt_at > now(), last_error
    from public.email_outbox where id = ${id};`)[0];
const emailSent = (orderId) => sql(`
  select d.email_sent, d.email_sent_at is not null and d.email_sent_at = o.sent_at
    from public.delivered_accounts d
    left join public.email_outbox o on o.order_id = d.order_id and o.template_name = 'account_delivery'
   where d.order_id = ${lit(orderId)};`)[0];
const forceDue = (id) => sql(`update public.email_outbox set next_attempt_at = now() where id = ${id};`);

async function closedPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// ---- setup ----------------------------------------------------------------------------------------

// A relay that is not loopback in the mailer's eyes: this host's own name. Only the literals
// localhost, 127.0.0.0/8 and ::1 count as loopback there (a name may resolve elsewhere tomorrow),
// so the name is treated as a remote relay while lib/smtprelay.mjs serves it on the address the
// name resolves to here. Real sockets, real TLS; nothing in the mailer is overridden.
const RELAY_HOST = os.hostname();
let relayAddress;
let relayCert;

before(async () => {
  assert.ok(fs.existsSync(MAILER), `${MAILER} is not built`);
  assert.notEqual(RELAY_HOST.toLowerCase().replace(/\.$/, ''), 'localhost', 'the TLS tests need a host name other than localhost');
  relayAddress = (await dns.promises.lookup(RELAY_HOST)).address;
  relayCert = makeCertificate(RELAY_HOST);
  db.create();
  await startCatcher();
});

after(async () => {
  await stopCatcher();
  db.drop();
  if (relayCert) fs.rmSync(relayCert.dir, { recursive: true, force: true });
});

// ---- tests ----------------------------------------------------------------------------------------

test('a due account e-mail is rendered, sent once, and recorded on the delivered account', async () => {
  const d = delivery();
  const r = await runOnce();
  assert.equal(r.code, 0, r.out);

  const got = await messagesFor(d.outboxId);
  assert.equal(got.length, 1, 'exactly one message with the row\'s Message-ID');
  const m = got[0];
  assert.equal(m.from, 'no-reply@flashfundx.local');
  assert.deepEqual(m.to, [d.email]);
  assert.equal(m.header_from, 'FlashFundX <no-reply@flashfundx.local>');
  assert.equal(m.header_to, d.email);
  assert.equal(m.subject, `Your FlashFundX one_step account (${d.orderId}) is ready`);
  assert.ok(!Number.isNaN(Date.parse(m.date)), `Date header ${m.date}`);
  for (const part of [m.text, m.html]) {
    assert.ok(part.includes(d.login), 'the login is in both parts');
    assert.ok(part.includes(d.server), 'the server is in both parts');
    assert.ok(part.includes(d.password), 'the customer gets the password');
    assert.ok(part.includes('Zoë'), 'UTF-8 survives');
    assert.ok(!part.includes('{{'), 'no placeholder is left');
  }
  assert.match(m.text, new RegExp(`Login: +${d.login}\\r?\\n`));
  assert.ok(m.html.includes(`<strong>${d.server}</strong>`));

  const raw = await (await fetch(`http://127.0.0.1:${WEB_PORT}/messages/${m.id}/raw`)).text();
  assert.match(raw, /^MIME-Version: 1\.0\r$/m);
  assert.match(raw, /^Content-Type: multipart\/alternative; boundary="[^"]+"\r$/m);
  assert.match(raw, /^Content-Type: text\/plain; charset=UTF-8\r$/m);
  assert.match(raw, /^Content-Type: text\/html; charset=UTF-8\r$/m);
  assert.ok(raw.split('\r\n').every((l) => l.length <= 78), 'no line longer than 78 characters');

  assert.deepEqual(outboxRow(d.outboxId), ['sent', '1', 't', 't', 'f', '']);
  assert.deepEqual(emailSent(d.orderId), ['t', 't'], 'email_sent set, email_sent_at = the outbox sent_at');

  const again = await runOnce();
  assert.equal(again.code, 0, again.out);
  assert.equal((await messagesFor(d.outboxId)).length, 1, 'a sent e-mail is not sent again');
});

test('rendering: values HTML-escaped in the HTML part only, unknown placeholders empty, RFC 2047 subject', async () => {
  sql(`insert into public.email_templates (template_name, subject, html_body, text_body) values
       ('mailer_it', 'Grüße {{first_name}}{{nope}}! {{ order_id }} {{bad name}}',
        '<p>{{first_name}}|{{nope}}|{{order_id}}|{{count}}|{{flag}}</p>', '{{first_name}}|{{nope}}|{{count}}')
       on conflict (template_name) do nothing;`);
  const d = delivery({ outbox: false });
  const id = enqueue(d, 'mailer_it', { first_name: '<Zoë & "Co">', order_id: d.orderId, count: 10000, flag: true });
  const r = await runOnce();
  assert.equal(r.code, 0, r.out);

  const [m] = await messagesFor(id);
  assert.ok(m, 'the message arrived');
  assert.equal(m.subject, `Grüße <Zoë & "Co">! ${d.orderId} {{bad name}}`);
  assert.equal(m.html.trim(), `<p>&lt;Zoë &amp; &quot;Co&quot;&gt;||${d.orderId}|10000|true</p>`);
  assert.equal(m.text.trim(), '<Zoë & "Co">||10000');
  const raw = await (await fetch(`http://127.0.0.1:${WEB_PORT}/messages/${m.id}/raw`)).text();
  assert.match(raw, /^Subject: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=/m, 'the non-ASCII subject is an encoded word');
  assert.deepEqual(outboxRow(id).slice(0, 2), ['sent', '1']);
  assert.deepEqual(emailSent(d.orderId), ['f', 'f'], 'only account_delivery marks the delivered account');
});

// The messages of the two templates, byte for byte as main's mailer sent them before common/mime.c
// existed: tests/integration/golden/mail-<template>.eml, written by this test run against that
// binary (FFX_MAILER_BIN=<its ffx-mailer> FFX_UPDATE_GOLDEN=1). Only the Date and the outbox id,
// which differ from run to run, are replaced by placeholders.
const GOLDEN_DIR = path.join(ROOT, 'tests', 'integration', 'golden');
const GOLDEN_VARIABLES = {
  account_delivery: {
    first_name: 'Zoë', order_id: 'FFX000000042', account_type: 'one_step', account_size: '10000', platform_type: 'mt4',
    server_name: 'FlashFundX-Live01', login_id: '70012345', password: 'Pw<&>"\'=S3cret!', investor_password: 'Inv-7-S3cret=',
  },
  payment_review: { first_name: 'Zoë', order_id: 'FFX000000042', pay_currency: 'USDTTRC20', asked: '649.5', received: '600.25' },
};

test('the templates\' messages are byte for byte the ones main\'s mailer sent (Date and outbox id aside)', async () => {
  for (const [template, variables] of Object.entries(GOLDEN_VARIABLES)) {
    const d = delivery({ outbox: false });
    const [[id]] = sql(`
      insert into public.email_outbox (order_id, template_name, to_email, variables)
      values (${lit(d.orderId)}, ${lit(template)}, 'golden@example.com', ${lit(JSON.stringify(variables))}::jsonb)
      returning id;`);
    const r = await runOnce();
    assert.equal(r.code, 0, r.out);
    const [m] = await messagesFor(id);
    assert.ok(m, `the ${template} message arrived`);
    const raw = Buffer.from(await (await fetch(`http://127.0.0.1:${WEB_PORT}/messages/${m.id}/raw`)).arrayBuffer()).toString('latin1');
    const normal = raw.replace(/^Date: [^\r\n]*\r$/m, 'Date: <date>\r').replaceAll(`outbox-${id}@`, 'outbox-<id>@')
      .replaceAll(`=_ffx_outbox_${id}`, '=_ffx_outbox_<id>');
    const file = path.join(GOLDEN_DIR, `mail-${template}.eml`);
    if (process.env.FFX_UPDATE_GOLDEN === '1') fs.writeFileSync(file, normal, 'latin1');
    assert.equal(normal, fs.readFileSync(file, 'latin1'), `${template}: the message differs from ${file}`);
  }
});

test('lines that start with a dot arrive as written: SMTP transparency is libcurl\'s, the body is plain quoted-printable', async () => {
  const text = '.hidden\n.\n..\nend';
  sql(`insert into public.email_templates (template_name, subject, html_body, text_body) values
       ('mailer_dots', 'dots', '<p>x</p>\n.\n', ${lit(text)}) on conflict (template_name) do nothing;`);
  const d = delivery({ outbox: false });
  const id = enqueue(d, 'mailer_dots', {});
  const r = await runOnce();
  assert.equal(r.code, 0, r.out);
  const [m] = await messagesFor(id);
  assert.ok(m, 'the message arrived whole (a lone "." would have ended it)');
  assert.equal(m.text.replaceAll('\r\n', '\n').trim(), text);
  assert.equal(m.html.replaceAll('\r\n', '\n').trim(), '<p>x</p>\n.');
  const raw = Buffer.from(await (await fetch(`http://127.0.0.1:${WEB_PORT}/messages/${m.id}/raw`)).arrayBuffer()).toString('latin1');
  assert.match(raw, /\r\n\.hidden\r\n\.\r\n\.\.\r\nend\r\n/, 'not =2E: the dots went out as dots, doubled on the wire by libcurl');
  assert.deepEqual(outboxRow(id).slice(0, 2), ['sent', '1']);
});

test('numbers in the variables are written as the database holds them, never through a double', async () => {
  sql(`insert into public.email_templates (template_name, subject, html_body, text_body) values
       ('mailer_numbers', 'numbers {{a}}', '<p>{{a}}|{{b}}|{{c}}|{{d}}|{{e}}</p>', '{{a}}|{{b}}|{{c}}|{{d}}|{{e}}')
       on conflict (template_name) do nothing;`);
  const d = delivery({ outbox: false });
  // jsonb keeps a numeric exactly: 649.00 stays 649.00, 1e-7 reads as 0.0000001
  const [[id]] = sql(`
    insert into public.email_outbox (order_id, template_name, to_email, variables)
    values (${lit(d.orderId)}, 'mailer_numbers', ${lit(d.email)},
            '{"a": 649.00, "b": 12345678901234567.89, "c": 0.30000000000000004, "d": 10000, "e": 1e-7}'::jsonb)
    returning id;`);
  const r = await runOnce();
  assert.equal(r.code, 0, r.out);
  const [m] = await messagesFor(id);
  assert.ok(m, 'the message arrived');
  const want = '649.00|12345678901234567.89|0.30000000000000004|10000|0.0000001';
  assert.equal(m.text.trim(), want);
  assert.equal(m.html.trim(), `<p>${want}</p>`);
  assert.equal(m.subject, 'numbers 649.00');
});

test('SMTP down: back to pending with backoff; after recovery it is sent exactly once', async () => {
  const d = delivery();
  await stopCatcher();
  const r = await runOnce();
  assert.equal(r.code, 0, r.out);
  const [status, attempts, sent, unlocked, inFuture, error] = outboxRow(d.outboxId);
  assert.deepEqual([status, attempts, sent, unlocked, inFuture], ['pending', '1', 'f', 't', 't'],
    'pending, one attempt, lease released, next attempt in the future');
  assert.match(error, /connect/i);
  assert.match(r.out, /"msg":"send failed; will retry"/);

  await startCatcher();
  assert.equal((await runOnce()).code, 0);
  assert.equal((await messagesFor(d.outboxId)).length, 0, 'nothing is sent before next_attempt_at');

  forceDue(d.outboxId);
  const r2 = await runOnce();
  assert.equal(r2.code, 0, r2.out);
  assert.equal((await messagesFor(d.outboxId)).length, 1, 'sent once after recovery');
  assert.deepEqual(outboxRow(d.outboxId).slice(0, 2), ['sent', '2']);
  assert.deepEqual(emailSent(d.orderId), ['t', 't']);

  forceDue(d.outboxId);
  assert.equal((await runOnce()).code, 0);
  assert.equal((await messagesFor(d.outboxId)).length, 1, 'and never again');
});

test('attempts exhausted: the message fails for good and stays failed', async () => {
  const d = delivery();
  const env = { FFX_SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`, FFX_MAIL_MAX_ATTEMPTS: '2' };
  assert.equal((await runOnce(env)).code, 0);
  assert.deepEqual(outboxRow(d.outboxId).slice(0, 2), ['pending', '1']);

  forceDue(d.outboxId);
  const r = await runOnce(env);
  assert.equal(r.code, 0, r.out);
  const [status, attempts, sent, , , error] = outboxRow(d.outboxId);
  assert.deepEqual([status, attempts, sent], ['failed', '2', 'f']);
  assert.match(error, /connect/i);
  assert.match(r.out, /"level":"error".*"msg":"message failed for good/);

  forceDue(d.outboxId);
  assert.equal((await runOnce()).code, 0, 'even with SMTP back');
  assert.deepEqual(outboxRow(d.outboxId).slice(0, 2), ['failed', '2'], 'a failed message is not retried');
  assert.equal((await messagesFor(d.outboxId)).length, 0);
  assert.deepEqual(emailSent(d.orderId), ['f', 'f']);
});

test('a crash between the send and its acknowledgement: resent after the lease, same Message-ID', async () => {
  const d = delivery();
  const crash = await runOnce({ FFX_FAILPOINT: 'mailer-after-send' });
  assert.equal(crash.code, 99, crash.out);
  assert.equal((await messagesFor(d.outboxId)).length, 1, 'the message went out before the crash');
  assert.deepEqual(outboxRow(d.outboxId).slice(0, 2), ['sending', '1'], 'still leased to the dead mailer');

  assert.equal((await runOnce()).code, 0);
  assert.equal((await messagesFor(d.outboxId)).length, 1, 'not resent while the lease holds');

  sql(`update public.email_outbox set locked_until = now() - interval '1 second' where id = ${d.outboxId};`);
  const r = await runOnce();
  assert.equal(r.code, 0, r.out);
  const got = await messagesFor(d.outboxId);
  assert.equal(got.length, 2, 'resent once the lease expired');
  assert.equal(got[0].message_id, got[1].message_id, 'with the same Message-ID');
  assert.deepEqual(outboxRow(d.outboxId).slice(0, 2), ['sent', '2']);
  assert.deepEqual(emailSent(d.orderId), ['t', 't']);
});

test('long-running: a new outbox row is sent within 3 s (NOTIFY), SIGTERM exits 0', async (t) => {
  const run = startMailer([], { FFX_MAIL_POLL_MS: '60000' });
  const listening = await waitFor(() => run.out.includes('listening on ffx_outbox'), { timeoutMs: 10000 });
  assert.ok(listening, `the mailer did not connect: ${run.out}`);
  await sleep(300); // past its first (empty) round

  const d = delivery();
  const t0 = Date.now();
  const arrived = await waitFor(async () => (await messagesFor(d.outboxId)).length === 1,
    { timeoutMs: 3000, stepMs: 25 });
  const ms = Date.now() - t0;
  assert.ok(arrived, `not delivered within 3 s: ${run.out}`);
  assert.ok(await waitFor(() => outboxRow(d.outboxId)[0] === 'sent', { timeoutMs: 3000 }), 'marked sent');

  run.child.kill('SIGTERM');
  const { code, signal, out } = await run.done;
  assert.equal(signal, null, out);
  assert.equal(code, 0, out);
  assert.match(out, /"msg":"stopped"/);
  t.diagnostic(`delivered ${ms} ms after the insert`);
});

// ---- production: TLS to every relay that is not loopback ------------------------------------------

const production = (url, extra = {}) => ({ FFX_ENV: 'production', FFX_SMTP_URL: url, ...extra });
const logLines = (out) => out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
const startupLine = (out) => logLines(out).find((l) => l.mod === 'mail' && l.msg.startsWith('started'));
const verbs = (commands) => commands.map((c) => c.line.split(' ')[0].toUpperCase());

async function withRelay(mode, fn) {
  const relay = await startRelay({ address: relayAddress, mode, key: relayCert.key, cert: relayCert.cert });
  try {
    return await fn(relay, `${mode === 'implicit' ? 'smtps' : 'smtp'}://${RELAY_HOST}:${relay.port}`);
  } finally {
    await relay.close();
  }
}

test('production: a relay that is not loopback and offers no STARTTLS gets nothing in clear; the mailer says why', async (t) => {
  await withRelay('plain', async (relay, url) => {
    const d = delivery();
    const r = await runOnce(production(url));
    const said = relay.sessions.flatMap((s) => verbs(s.commands));
    t.diagnostic(`in clear to ${url}: ${said.join(' ')}; messages: ${relay.sessions.flatMap((s) => s.messages).length}`);
    assert.equal(r.code, 0, r.out);
    assert.equal(startupLine(r.out)?.smtp_tls, 'starttls-required', r.out);
    assert.ok(relay.sessions.length >= 1, 'the mailer connected to the relay');
    assert.deepEqual(said.filter((v) => v !== 'EHLO' && v !== 'QUIT'), [], `nothing but EHLO in clear (said: ${said})`);
    assert.deepEqual(relay.sessions.flatMap((s) => s.messages), [], 'no message reached the relay');
    const [status, attempts, sent, , , error] = outboxRow(d.outboxId);
    assert.deepEqual([status, attempts, sent], ['pending', '1', 'f'], 'kept for a retry');
    assert.match(error, /STARTTLS/);
    const failed = logLines(r.out).find((l) => l.msg === 'send failed; will retry' && l.outbox_id === d.outboxId);
    assert.match(failed?.error ?? '', /TLS is required .*no STARTTLS/, r.out);
  });
});

test('production: STARTTLS to a relay that is not loopback, certificate verified; only EHLO and STARTTLS in clear', async () => {
  await withRelay('starttls', async (relay, url) => {
    const d = delivery();
    const r = await runOnce(production(url, { FFX_SMTP_CA_FILE: relayCert.certFile }));
    assert.equal(r.code, 0, r.out);
    assert.equal(startupLine(r.out)?.smtp_tls, 'starttls-required', r.out);
    const messages = relay.sessions.flatMap((s) => s.messages);
    assert.equal(messages.length, 1, r.out);
    assert.equal(messages[0].tls, true, 'the message went over TLS');
    assert.ok(messages[0].data.includes(`Message-ID: <outbox-${d.outboxId}@flashfundx.local>`));
    const clear = relay.sessions.flatMap((s) => verbs(s.commands.filter((c) => !c.tls)));
    assert.deepEqual([...new Set(clear)].sort(), ['EHLO', 'STARTTLS'], `in clear: ${clear}`);
    assert.deepEqual(outboxRow(d.outboxId).slice(0, 2), ['sent', '1']);
  });
});

test('production: a relay certificate that does not verify gets nothing', async () => {
  await withRelay('starttls', async (relay, url) => {
    const d = delivery();
    const r = await runOnce(production(url)); // the system's CAs do not know the relay's certificate
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(relay.sessions.flatMap((s) => s.messages), [], 'no message');
    const said = relay.sessions.flatMap((s) => verbs(s.commands));
    assert.ok(!said.includes('MAIL') && !said.includes('RCPT'), `no envelope (said: ${said})`);
    assert.deepEqual(outboxRow(d.outboxId).slice(0, 3), ['pending', '1', 'f']);
  });
});

test('production: smtps:// is implicit TLS, verified', async () => {
  await withRelay('implicit', async (relay, url) => {
    const d = delivery();
    const r = await runOnce(production(url, { FFX_SMTP_CA_FILE: relayCert.certFile }));
    assert.equal(r.code, 0, r.out);
    assert.equal(startupLine(r.out)?.smtp_tls, 'implicit', r.out);
    const messages = relay.sessions.flatMap((s) => s.messages);
    assert.equal(messages.length, 1, r.out);
    assert.equal(messages[0].tls, true);
    assert.deepEqual(outboxRow(d.outboxId).slice(0, 2), ['sent', '1']);
  });
});

test('production: a loopback relay (127.0.0.1) may be plain, and the start-up line says so', async () => {
  const d = delivery();
  const r = await runOnce({ FFX_ENV: 'production' }); // the catcher on smtp://127.0.0.1
  assert.equal(r.code, 0, r.out);
  const started = startupLine(r.out);
  assert.equal(started?.smtp_tls, 'none', r.out);
  assert.match(started?.smtp_tls_reason ?? '', /loopback/);
  assert.equal((await messagesFor(d.outboxId)).length, 1);
});

test('production: only loopback literals may be plain; the start-up line says which mode is in force', async () => {
  // Nothing is due: each run only starts, says its mode and stops.
  const cases = [
    ['smtp://127.0.0.1:25', 'none'], ['smtp://127.9.8.7:25', 'none'], ['smtp://localhost:25', 'none'],
    ['smtp://LOCALHOST.:25', 'none'], ['smtp://[::1]:25', 'none'],
    ['smtp://127.1:25', 'starttls-required'], // not a dotted quad: not trusted as loopback
    ['smtp://[::ffff:127.0.0.1]:25', 'starttls-required'],
    ['smtp://localhost.example.com:25', 'starttls-required'], [`smtp://${RELAY_HOST}:25`, 'starttls-required'],
    ['smtp://10.0.0.1:25', 'starttls-required'], ['smtps://127.0.0.1:465', 'implicit'],
  ];
  const got = [];
  for (const [url, mode] of cases) {
    const r = await runOnce(production(url));
    assert.equal(r.code, 0, r.out);
    got.push([url, startupLine(r.out)?.smtp_tls]);
  }
  assert.deepEqual(got, cases);
  const dev = await runOnce({ FFX_SMTP_URL: 'smtp://10.0.0.1:25' });
  assert.equal(startupLine(dev.out)?.smtp_tls, 'none', 'development keeps plain SMTP without credentials');
  const auth = await runOnce({ FFX_SMTP_URL: 'smtp://127.0.0.1:25', FFX_SMTP_USER: 'u', FFX_SMTP_PASSWORD: 'p' });
  assert.equal(startupLine(auth.out)?.smtp_tls, 'starttls-required', 'credentials never go in clear, loopback included');
});

test('the mailer logs JSON lines only, and never a password', () => {
  assert.ok(logs.length > 0);
  for (const line of logs) {
    assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
    for (const s of secrets) assert.ok(!line.includes(s), `a password reached the log: ${line}`);
    assert.ok(!/Sanitizer|runtime error:/.test(line), line);
  }
});
