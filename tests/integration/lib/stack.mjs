// Helpers shared by the integration tests: the stack's addresses (from the
// environment scripts/test sets), HTTP through nginx, SQL through psql, and
// the stack's own control script. Every answer the API gives a test is
// recorded for the OpenAPI check (openapi.check.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import path from 'node:path';

export const ROOT = process.env.FFX_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const API = process.env.FFX_API_URL ?? 'http://127.0.0.1:54321';
// The superuser's URL, for fixtures: postgres on plain PostgreSQL, supabase_admin on the Supabase
// shape (FFX_PG_SHAPE=supabase, where postgres is no superuser: scripts/lib/env.sh).
export const DATABASE_URL = process.env.FFX_SUPERUSER_DATABASE_URL ?? process.env.DATABASE_URL
  ?? 'postgresql://postgres:postgres@127.0.0.1:54322/postgres';
// The role that runs the migrations (postgres either way) and whether the shim runs (plain only).
const MIGRATE_URL = process.env.DATABASE_URL ?? DATABASE_URL;
const SUPABASE_SHAPE = process.env.FFX_PG_SHAPE === 'supabase';
export const SIM = `http://127.0.0.1:${process.env.FFX_SIM_PORT ?? 54330}`;
export const STATE_DIR = process.env.FFX_STATE_DIR ?? path.join(ROOT, '.local');
export const BUILD_DIR = process.env.FFX_BUILD_DIR ?? path.join(ROOT, 'build');

// ---- the record of API answers ----
// One JSON line per answer: the test file, how it came (fetch, raw socket,
// FastCGI), method, path, status, headers and body. scripts/test wipes the
// state folder first, so the file holds exactly this run's answers; the
// OpenAPI check validates each against docs/openapi.yaml.
export const RECORD_FILE = path.join(STATE_DIR, 'api-responses.jsonl');
const TEST_FILE = path.basename(process.argv[1] ?? 'unknown');

export function recordResponse({ via, method, url, status, headers, body }) {
  const target = new URL(url, API);
  const line = JSON.stringify({
    test: TEST_FILE, via, method: method.toUpperCase(), path: target.pathname, status,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)])), body,
  });
  fs.mkdirSync(path.dirname(RECORD_FILE), { recursive: true });
  fs.appendFileSync(RECORD_FILE, `${line}\n`);
}

// fetch, recording every answer from the API (also what supabase-js is given
// as its global fetch). The body is read from a clone, so the caller's
// Response is untouched.
export async function apiFetch(input, init = {}) {
  const url = typeof input === 'string' ? input : input.url ?? String(input);
  const method = init.method ?? (input instanceof Request ? input.method : 'GET');
  const res = await fetch(input, init);
  if (url.startsWith(API)) {
    const body = await res.clone().text();
    recordResponse({ via: 'fetch', method, url, status: res.status, headers: Object.fromEntries(res.headers), body });
  }
  return res;
}

// fetch a function through nginx; returns { status, headers, text, json }.
export async function call(name, { method = 'POST', body, headers = {}, query = '' } = {}) {
  const res = await apiFetch(`${API}/functions/v1/${name}${query}`, { method, body, headers });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON: the test decides */ }
  return { status: res.status, headers: res.headers, text, json };
}

// Run SQL as the superuser and return the rows as arrays of strings.
export function sql(query, ...params) {
  const args = ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', DATABASE_URL];
  params.forEach((p, i) => args.push('-v', `p${i + 1}=${p}`));
  const out = execFileSync('psql', args, { input: query, encoding: 'utf8' });
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

// The same server, another database.
export function withDb(url, db) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

// Run SQL on any database; rows as arrays of strings, notices silenced.
export function psql(url, query) {
  const out = execFileSync('psql', ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', url],
    { input: query, encoding: 'utf8', env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } });
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

// A database of the test's own on the stack's PostgreSQL (nothing else on the stack sees its
// rows): its URLs as the superuser and as the functions' login role (the superuser when
// FFX_FUNCTIONS_DATABASE_URL is unset); create() makes it afresh from the migrations, drop()
// removes it.
export function scratchDatabase(name) {
  const superUrl = withDb(DATABASE_URL, name);
  return {
    superUrl,
    functionsUrl: withDb(process.env.FFX_FUNCTIONS_DATABASE_URL || DATABASE_URL, name),
    create() {
      psql(DATABASE_URL, `drop database if exists ${name} with (force); create database ${name};`);
      if (SUPABASE_SHAPE) psql(DATABASE_URL, `alter database ${name} owner to postgres;`);
      execFileSync(path.join(ROOT, 'scripts', 'migrate'), [...(SUPABASE_SHAPE ? [] : ['--shim']), withDb(MIGRATE_URL, name)],
        { stdio: 'ignore' });
    },
    drop: () => psql(DATABASE_URL, `drop database if exists ${name} with (force);`),
  };
}

export function stack(...args) {
  const r = spawnSync(path.join(ROOT, 'scripts/stack'), args, { encoding: 'utf8', env: process.env });
  if (r.status !== 0) throw new Error(`scripts/stack ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function masterPid(name) {
  return Number(execFileSync('cat', [path.join(STATE_DIR, 'run', `${name}.pid`)], { encoding: 'utf8' }).trim());
}

export function childPids(pid) {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
}

// n distinct ports the kernel says are free now, for a test's own servers: a fixed guess can be
// held by any outgoing connection, whose ports come from the same range.
export async function freePorts(n) {
  const ports = new Set();
  while (ports.size < n) {
    const probe = net.createServer();
    ports.add(await new Promise((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address();
        probe.close(() => resolve(port));
      });
    }));
  }
  return [...ports];
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Poll fn until it returns a truthy value or the deadline passes.
export async function waitFor(fn, { timeoutMs = 10000, stepMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) return v;
    await sleep(stepMs);
  }
}

// The NOWPayments simulator's control API (tools/nowpayments-sim/README.md). A fresh connection
// per call: fetch keeps idle connections for reuse, and a test that blocks the event loop for a
// few seconds (spawnSync of scripts/stack or a reconciler pass) meets one the simulator has closed
// meanwhile ("fetch failed") before the pool's own timer could drop it.
export function sim(method, path, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${SIM}${path}`, {
      method, agent: false,
      headers: { 'content-type': 'application/json', ...(payload === undefined ? {} : { 'content-length': Buffer.byteLength(payload) }) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => {
        try { resolve(JSON.parse(text)); } catch { resolve(text); }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
