#!/usr/bin/env node
// NOWPayments API simulator for the dev stack and the tests.
//
// Serves the payments API under /v1 the way docs/NOWPAYMENTS.md describes the
// real one (field names, types, quirks, error shapes), plus a
// control API under /_sim that drives payments through their statuses, sends
// signed IPNs and injects faults. README.md next to this file documents both.
//
// Node built-ins only. `node tools/nowpayments-sim/server.mjs` listens on
// 127.0.0.1:$FFX_SIM_PORT (54330). Importing the module starts nothing; it
// exports the signer (signIpn, canonicalJson, sortDeep) and createSimulator().

import http from 'node:http';
import https from 'node:https';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// ---------------------------------------------------------------------------
// Canonical JSON and the IPN signature (docs/NOWPAYMENTS.md, "Canonical form")

// sortDeep - a copy of value with object keys sorted (UTF-16 code unit order,
// Array.prototype.sort's default) at every depth. Arrays stay arrays
// (arrays = 'array', as the newer official Node SDK, PHP and Python do) or become {"0":…}
// objects (arrays = 'object', as the documented Node sortObject does).
export function sortDeep(value, arrays = 'array') {
  if (Array.isArray(value)) {
    if (arrays === 'object') {
      const out = {};
      for (const k of Object.keys(value).sort()) out[k] = sortDeep(value[k], arrays);
      return out;
    }
    return value.map((v) => sortDeep(v, arrays));
  }
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value).sort()) out[k] = sortDeep(value[k], arrays);
    return out;
  }
  return value;
}

// canonicalJson - JSON.stringify(sortDeep(value)): what NOWPayments signs.
export function canonicalJson(value, { arrays = 'array' } = {}) {
  return JSON.stringify(sortDeep(value, arrays));
}

// hmacHex - lower-case hex HMAC-SHA512 of text under secret.
export function hmacHex(secret, text) {
  return crypto.createHmac('sha512', secret).update(text, 'utf8').digest('hex');
}

// signIpn - the x-nowpayments-sig value for an IPN payload object.
export function signIpn(payload, secret, { arrays = 'array' } = {}) {
  return hmacHex(secret, canonicalJson(payload, { arrays }));
}

// The key order of the real 2023 IPNs (docs/NOWPAYMENTS.md, "Test vectors" 3);
// fee (absent in 2023) goes last with the inner order of the documentation's
// example ("Test vectors" 2).
export const IPN_ORDER_2023 = [
  'payment_id', 'parent_payment_id', 'invoice_id', 'payment_status', 'pay_address', 'payin_extra_id',
  'price_amount', 'price_currency', 'pay_amount', 'actually_paid', 'actually_paid_at_fiat', 'pay_currency',
  'order_id', 'order_description', 'purchase_id', 'updated_at', 'outcome_amount', 'outcome_currency',
  'payment_extra_ids', 'fee',
];
const FEE_ORDER_2023 = ['currency', 'depositFee', 'withdrawalFee', 'serviceFee'];

function reorder(obj, order) {
  const out = {};
  for (const k of order) if (Object.hasOwn(obj, k)) out[k] = obj[k];
  for (const k of Object.keys(obj)) if (!Object.hasOwn(out, k)) out[k] = obj[k];
  return out;
}

// ipnBody - the body text for a payload in a delivery style: 'sorted'
// (canonical, as 2025 production sends), 'unsorted2023' (the 2023 key
// order) or 'asis' (JSON.stringify of the object as given).
export function ipnBody(payload, style = 'sorted') {
  if (style === 'sorted') return canonicalJson(payload);
  if (style === 'asis') return JSON.stringify(payload);
  if (style === 'unsorted2023') {
    const top = reorder(payload, IPN_ORDER_2023);
    if (top.fee && typeof top.fee === 'object' && !Array.isArray(top.fee)) top.fee = reorder(top.fee, FEE_ORDER_2023);
    return JSON.stringify(top);
  }
  throw new Error(`unknown style ${style}`);
}

// ---------------------------------------------------------------------------
// Currencies: fixed, deterministic rates in USD per unit

export const FIAT = {
  usd: { name: 'US Dollar', rate: 1 },
  eur: { name: 'Euro', rate: 1.08 },
};

// precision: decimals of pay_amount; min_usd: minimum payment in USD;
// net_fee: network (deposit) fee in the coin, charged on the outcome side.
export const COINS = {
  btc: { name: 'Bitcoin', network: 'btc', rate: 65000, precision: 8, min_usd: 2, net_fee: 0.000002, addr: 'btc', cg: 'bitcoin', contract: null, np: null, regex: '^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,62}$', priority: 1 },
  eth: { name: 'Ethereum', network: 'eth', rate: 3500, precision: 8, min_usd: 1.5, net_fee: 0.00002, addr: 'evm', cg: 'ethereum', contract: null, np: null, regex: '^(0x)[0-9A-Fa-f]{40}$', priority: 2 },
  ltc: { name: 'Litecoin', network: 'ltc', rate: 80, precision: 8, min_usd: 0.5, net_fee: 0.0001, addr: 'ltc', cg: 'litecoin', contract: null, np: null, regex: '^(L|M|3|ltc1)[a-zA-HJ-NP-Z0-9]{26,62}$', priority: 5 },
  trx: { name: 'Tron', network: 'trx', rate: 0.12, precision: 6, min_usd: 0.5, net_fee: 1, addr: 'tron', cg: 'tron', contract: null, np: null, regex: '^T[1-9A-HJ-NP-Za-km-z]{33}$', priority: 6 },
  bnbbsc: { name: 'BNB (BSC)', network: 'bsc', rate: 600, precision: 8, min_usd: 0.5, net_fee: 0.00005, addr: 'evm', cg: 'binancecoin', contract: null, np: null, regex: '^(0x)[0-9A-Fa-f]{40}$', priority: 7 },
  usdttrc20: { name: 'Tether USD (Tron)', network: 'trx', rate: 1, precision: 6, min_usd: 3, net_fee: 1, addr: 'tron', cg: 'tether', contract: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', np: '6', regex: '^T[1-9A-HJ-NP-Za-km-z]{33}$', priority: 3 },
  usdterc20: { name: 'Tether USD (Ethereum)', network: 'eth', rate: 1, precision: 6, min_usd: 10, net_fee: 2, addr: 'evm', cg: 'tether', contract: '0xdac17f958d2ee523a2206206994597c13d831ec7', np: '6', regex: '^(0x)[0-9A-Fa-f]{40}$', priority: 4 },
  usdtbsc: { name: 'Tether USD (BSC)', network: 'bsc', rate: 1, precision: 8, min_usd: 0.5, net_fee: 0.1, addr: 'evm', cg: 'tether', contract: '0x55d398326f99059ff775485246999027b3197955', np: '18', regex: '^(0x)[0-9A-Fa-f]{40}$', priority: 8 },
  usdtmatic: { name: 'Tether USD (Polygon)', network: 'matic', rate: 1, precision: 6, min_usd: 0.5, net_fee: 0.05, addr: 'evm', cg: 'tether', contract: '0xc2132d05d31c914a87c6611c10748aeb04b58e8f', np: '6', regex: '^(0x)[0-9A-Fa-f]{40}$', priority: 9 },
};

const SERVICE_FEE = 0.005; // 0.5 % of the received amount, in the outcome currency
const FLAG_MIN_FACTOR = 1.25; // fixed-rate / fee-paid-by-user minimums are higher (documented for /v1/min-amount)
export const STATUSES = ['waiting', 'confirming', 'confirmed', 'sending', 'partially_paid', 'finished', 'failed', 'refunded', 'expired', 'cancelled'];
const PAID = new Set(['confirming', 'confirmed', 'sending', 'finished']);
const SANDBOX_CASES = {
  success: ['confirming', 'confirmed', 'sending', 'finished'],
  partially_paid: ['confirming', 'confirmed', 'sending', 'partially_paid'],
  fail: ['failed'],
  failed: ['failed'],
  common: [],
};

export function round(x, p) {
  const f = 10 ** p;
  const r = Math.round((x + Math.sign(x) * Number.EPSILON * Math.abs(x)) * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

// ---------------------------------------------------------------------------
// Deterministic deposit addresses and hashes

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function bech32Polymod(values) {
  const G = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const b = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((b >>> i) & 1) chk ^= G[i];
  }
  return chk >>> 0;
}
function convertBits(data, from, to) {
  let acc = 0;
  let bits = 0;
  const out = [];
  const maxv = (1 << to) - 1;
  const maxAcc = (1 << (from + to - 1)) - 1;
  for (const v of data) {
    acc = ((acc << from) | v) & maxAcc;
    bits += from;
    while (bits >= to) { bits -= to; out.push((acc >>> bits) & maxv); }
  }
  if (bits > 0) out.push((acc << (to - bits)) & maxv);
  return out;
}
// A valid bech32 segwit v0 (P2WPKH) address of a 20-byte program.
export function segwitAddress(hrp, program) {
  const data = [0, ...convertBits([...program], 8, 5)];
  const expand = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  const mod = bech32Polymod([...expand, ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...data, ...checksum].map((d) => BECH32[d]).join('')}`;
}
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(buf) {
  let n = BigInt(`0x${buf.toString('hex')}`);
  let s = '';
  while (n > 0n) { s = B58[Number(n % 58n)] + s; n /= 58n; }
  for (const b of buf) { if (b !== 0) break; s = `1${s}`; }
  return s;
}
const sha256 = (b) => crypto.createHash('sha256').update(b).digest();
// A valid base58check Tron address (0x41 prefix) of a 20-byte program.
export function tronAddress(program) {
  const payload = Buffer.concat([Buffer.from([0x41]), program]);
  return base58(Buffer.concat([payload, sha256(sha256(payload)).subarray(0, 4)]));
}
export function depositAddress(coin, paymentId) {
  const seed = sha256(`nowpayments-sim:address:${COINS[coin].network}:${paymentId}`).subarray(0, 20);
  switch (COINS[coin].addr) {
    case 'btc': return segwitAddress('bc', seed);
    case 'ltc': return segwitAddress('ltc', seed);
    case 'tron': return tronAddress(seed);
    default: return `0x${seed.toString('hex')}`;
  }
}
function txHash(coin, kind, paymentId) {
  const h = sha256(`nowpayments-sim:${kind}:${paymentId}`).toString('hex');
  return COINS[coin]?.addr === 'evm' ? `0x${h}` : h;
}

// ---------------------------------------------------------------------------
// Small helpers

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isoNow = () => new Date().toISOString();
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

class ParamError extends Error {}
const bad = (message) => { throw new ParamError(message); };

// A path filter: a prefix, or an exact path when it ends in '$'.
const pathMatches = (pathname, filter) => (filter.endsWith('$') ? pathname === filter.slice(0, -1) : pathname.startsWith(filter));

function npError(status, code, message) {
  return { status, json: { status: false, statusCode: status, code, message } };
}
const invalid = (message) => npError(400, 'INVALID_REQUEST_PARAMS', message);

const HTML_429 = '<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

// Joi-like field checks, in the wording of the real messages
// ("price_amount is required", "success_url must be a valid uri").
function numberField(body, key, { required = false, positive = true } = {}) {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) bad(`${key} is required`);
    return null;
  }
  let n = v;
  if (typeof v === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) n = Number(v);
  if (typeof n !== 'number' || !Number.isFinite(n)) bad(`${key} must be a number`);
  if (positive && !(n > 0)) bad(`${key} must be a positive number`);
  return n;
}
function stringField(body, key, { required = false } = {}) {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) bad(`${key} is required`);
    return null;
  }
  if (typeof v !== 'string') bad(`${key} must be a string`);
  if (required && v === '') bad(`${key} is not allowed to be empty`);
  return v;
}
function boolField(body, key) {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return bad(`${key} must be a boolean`);
}
export function validUri(s) {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/.test(s)) return false;
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
function uriField(body, key) {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') bad(`${key} must be a string`);
  if (v === '') bad(`${key} is not allowed to be empty`);
  if (!validUri(v)) bad(`${key} must be a valid uri`);
  return v;
}
function currencyField(body, key, kinds, { required = false } = {}) {
  const v = stringField(body, key, { required });
  if (v === null) return null;
  if (!/^[A-Za-z0-9]+$/.test(v)) bad(`${key} must only contain alpha-numeric characters`);
  const c = v.toLowerCase();
  const ok = (kinds.includes('coin') && COINS[c]) || (kinds.includes('fiat') && FIAT[c]);
  if (!ok) bad(`${key} is not supported`);
  return v;
}
function idField(body, key, { required = false } = {}) {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) bad(`${key} is required`);
    return null;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^[1-9]\d{0,15}$/.test(v)) return Number(v);
  return bad(`${key} must be a number`);
}

// ---------------------------------------------------------------------------
// Configuration

export function loadConfig(env = process.env) {
  const int = (name, dflt, min, max) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`);
    return n;
  };
  let rates = {};
  if (env.SIM_RATES) {
    rates = JSON.parse(env.SIM_RATES);
    for (const [k, v] of Object.entries(rates)) {
      if (!COINS[k] && !FIAT[k]) throw new Error(`SIM_RATES: unknown currency ${k}`);
      if (typeof v !== 'number' || !(v > 0)) throw new Error(`SIM_RATES: ${k} must be a positive number`);
    }
  }
  const outcome = env.SIM_OUTCOME_CURRENCY ? env.SIM_OUTCOME_CURRENCY.toLowerCase() : null;
  if (outcome && !COINS[outcome]) throw new Error(`SIM_OUTCOME_CURRENCY: unknown coin ${outcome}`);
  return {
    host: '127.0.0.1',
    port: int('FFX_SIM_PORT', 54330, 0, 65535),
    apiKey: env.NOWPAYMENTS_API_KEY || 'sim-api-key',
    ipnSecret: env.NOWPAYMENTS_IPN_SECRET || 'sim-ipn-secret',
    stateFile: env.SIM_STATE_FILE || null,
    logFile: env.SIM_LOG || null,
    outcomeCurrency: outcome,
    rates,
    jwtTtlS: int('SIM_JWT_TTL_S', 300, 1, 86400),
    authEmail: env.SIM_AUTH_EMAIL || null,
    authPassword: env.SIM_AUTH_PASSWORD || null,
    caseDelayMs: int('SIM_CASE_DELAY_MS', 1000, 0, 600000),
    retryAttempts: int('SIM_IPN_RETRY_ATTEMPTS', 0, 0, 100),
    retryIntervalMs: int('SIM_IPN_RETRY_INTERVAL_MS', 1000, 0, 3600000),
    ipnTimeoutMs: 3000,
  };
}

// ---------------------------------------------------------------------------
// The simulator

export function createSimulator(cfg = loadConfig()) {
  let state = { version: 1, invoices: {}, payments: {} };
  let calls = [];
  let ipns = [];
  let faults = [];
  const usedIds = new Set();
  const MAX_RECORDS = 10000;

  const usd = (c) => {
    const k = c.toLowerCase();
    return cfg.rates[k] ?? COINS[k]?.rate ?? FIAT[k]?.rate;
  };
  const precisionOf = (c) => COINS[c.toLowerCase()]?.precision ?? 8;
  const convert = (amount, from, to) => (amount * usd(from)) / usd(to);
  const outcomeOf = (payCurrency) => cfg.outcomeCurrency ?? payCurrency;

  // ---- persistence and logs
  function loadState() {
    if (!cfg.stateFile || !fs.existsSync(cfg.stateFile)) return;
    const s = JSON.parse(fs.readFileSync(cfg.stateFile, 'utf8'));
    if (!isObj(s) || !isObj(s.invoices) || !isObj(s.payments)) throw new Error(`${cfg.stateFile}: not a simulator state file`);
    state = s;
    for (const inv of Object.values(state.invoices)) { usedIds.add(inv.id); usedIds.add(inv.token_id); }
    for (const p of Object.values(state.payments)) { usedIds.add(p.payment_id); usedIds.add(p.purchase_id); usedIds.add(p.token_id); }
  }
  function persist() {
    if (!cfg.stateFile) return;
    const tmp = `${cfg.stateFile}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, cfg.stateFile);
  }
  function log(line) {
    if (!cfg.logFile) return;
    try { fs.appendFileSync(cfg.logFile, `${JSON.stringify({ ts: isoNow(), ...line })}\n`); } catch (e) { console.error(`SIM_LOG: ${e.message}`); }
  }
  function newId() {
    for (;;) {
      const id = crypto.randomInt(4000000000, 7000000000);
      if (!usedIds.has(id)) { usedIds.add(id); return id; }
    }
  }

  // ---- views: the shapes of the real bodies (docs/NOWPAYMENTS.md, "What we call", "IPN delivery")
  function createView(p) {
    return {
      payment_id: String(p.payment_id), payment_status: p.payment_status, pay_address: p.pay_address,
      price_amount: p.price_amount, price_currency: p.price_currency, pay_amount: p.pay_amount,
      amount_received: p.amount_received, pay_currency: p.pay_currency, order_id: p.order_id,
      order_description: p.order_description, payin_extra_id: p.payin_extra_id, ipn_callback_url: p.ipn_callback_url,
      customer_email: p.customer_email, created_at: p.created_at, updated_at: p.updated_at,
      purchase_id: String(p.purchase_id), smart_contract: null, network: p.network, network_precision: null,
      time_limit: null, burning_percent: null, expiration_estimate_date: p.expiration_estimate_date,
      is_fixed_rate: p.is_fixed_rate, is_fee_paid_by_user: p.is_fee_paid_by_user, valid_until: p.valid_until,
      type: p.type, product: p.product, origin_ip: p.origin_ip,
    };
  }
  function listView(p) {
    const v = {
      payment_id: p.payment_id, invoice_id: p.invoice_id, payment_status: p.payment_status, pay_address: p.pay_address,
      payin_extra_id: p.payin_extra_id, price_amount: p.price_amount, price_currency: p.price_currency,
      pay_amount: p.pay_amount, actually_paid: p.actually_paid, pay_currency: p.pay_currency, order_id: p.order_id,
      order_description: p.order_description, purchase_id: p.purchase_id, outcome_amount: p.outcome_amount,
      outcome_currency: p.outcome_currency, payout_hash: p.payout_hash, payin_hash: p.payin_hash,
      created_at: p.created_at, updated_at: p.updated_at, type: p.type,
    };
    if (p.payment_extra_ids) v.payment_extra_ids = [...p.payment_extra_ids];
    if (p.parent_payment_id !== null) { v.parent_payment_id = p.parent_payment_id; v.origin_type = p.origin_type; }
    return v;
  }
  function getView(p) {
    const v = listView(p);
    const out = {};
    for (const [k, val] of Object.entries(v)) {
      if (k === 'type') out.burning_percent = 'null';
      out[k] = val;
    }
    return out;
  }
  function ipnPayload(p) {
    return sortDeep({
      actually_paid: p.actually_paid, actually_paid_at_fiat: p.actually_paid_at_fiat, fee: { ...p.fee },
      invoice_id: p.invoice_id, order_description: p.order_description, order_id: p.order_id,
      outcome_amount: p.outcome_amount, outcome_currency: p.outcome_currency, parent_payment_id: p.parent_payment_id,
      pay_address: p.pay_address, pay_amount: p.pay_amount, pay_currency: p.pay_currency,
      payin_extra_id: p.payin_extra_id, payment_extra_ids: p.payment_extra_ids ? [...p.payment_extra_ids] : null,
      payment_id: p.payment_id, payment_status: p.payment_status, price_amount: p.price_amount,
      price_currency: p.price_currency, purchase_id: String(p.purchase_id), updated_at: p.updated_at_ms,
    });
  }
  function invoiceView(inv) {
    const url = `https://nowpayments.io/payment/?iid=${inv.id}`;
    return {
      id: String(inv.id), token_id: String(inv.token_id), order_id: inv.order_id, order_description: inv.order_description,
      price_amount: inv.price_amount_text, price_currency: inv.price_currency, pay_currency: inv.pay_currency,
      ipn_callback_url: inv.ipn_callback_url, invoice_url: url, success_url: inv.success_url, cancel_url: inv.cancel_url,
      customer_email: inv.customer_email, partially_paid_url: inv.partially_paid_url, payout_currency: inv.payout_currency,
      created_at: inv.created_at, updated_at: inv.updated_at, is_fixed_rate: inv.is_fixed_rate,
      is_fee_paid_by_user: inv.is_fee_paid_by_user, source: null, collect_user_data: false, url,
    };
  }

  // ---- amounts
  function minAmount(from, to, flags) {
    const f = from.toLowerCase();
    const t = to ? to.toLowerCase() : null;
    const minUsd = Math.max(COINS[f]?.min_usd ?? 0, (t && COINS[t]?.min_usd) || 0, FIAT[f] ? 1 : 0);
    const factor = flags ? FLAG_MIN_FACTOR : 1;
    return round((minUsd * factor) / usd(f), FIAT[f] ? 2 : precisionOf(f));
  }
  function outcomeFor(p, paid) {
    const oc = p.outcome_currency;
    const gross = round(convert(paid, p.pay_currency, oc), precisionOf(oc));
    const serviceFee = round(gross * SERVICE_FEE, precisionOf(oc));
    const depositFee = round(Math.min(COINS[oc].net_fee, gross / 10), precisionOf(oc));
    const net = round(Math.max(gross - serviceFee - depositFee, 0), precisionOf(oc));
    return { net, fee: { currency: oc, depositFee, serviceFee, withdrawalFee: 0 } };
  }

  // ---- payments
  function newPayment(o) {
    const id = newId();
    const now = Date.now();
    const coin = o.payCurrency;
    const payAmount = o.payAmount ?? round(convert(o.priceAmount, o.priceCurrency, coin), COINS[coin].precision);
    const outcome = outcomeOf(coin);
    const p = {
      payment_id: id, invoice_id: o.invoiceId ?? null, parent_payment_id: null, origin_type: null,
      payment_status: 'waiting', pay_address: depositAddress(coin, id), payin_extra_id: null,
      price_amount: o.priceAmount, price_currency: o.priceCurrency, pay_amount: payAmount, actually_paid: 0,
      actually_paid_at_fiat: 0, pay_currency: coin, order_id: o.orderId ?? null,
      order_description: o.orderDescription ?? null, purchase_id: o.purchaseId ?? newId(), token_id: newId(),
      outcome_amount: null, outcome_currency: outcome, amount_received: 0,
      payout_hash: null, payin_hash: null,
      created_at: new Date(now).toISOString(), updated_at: new Date(now).toISOString(), updated_at_ms: now,
      ipn_callback_url: o.ipnCallbackUrl ?? null, customer_email: o.customerEmail ?? null,
      network: COINS[coin].network, expiration_estimate_date: new Date(now + 20 * 60000).toISOString(),
      valid_until: new Date(now + 7 * 86400000).toISOString(), is_fixed_rate: o.isFixedRate || o.isFeePaidByUser,
      is_fee_paid_by_user: o.isFeePaidByUser, type: 'crypto2crypto', product: 'api', origin_ip: o.originIp,
      payment_extra_ids: null, fee: { currency: outcome, depositFee: 0, serviceFee: 0, withdrawalFee: 0 },
      payout_address: o.payoutAddress ?? null, case: o.caseName ?? null, history: [{ status: 'waiting', at: now }],
    };
    p.amount_received = outcomeFor(p, payAmount).net;
    return p;
  }
  function checkMinimum(p) {
    const min = minAmount(p.pay_currency, p.outcome_currency, p.is_fixed_rate || p.is_fee_paid_by_user);
    if (p.pay_amount < min) return npError(400, 'AMOUNT_MINIMAL_ERROR', `Crypto amount ${p.pay_amount} is less than minimal`);
    return null;
  }
  function storePayment(p) {
    state.payments[p.payment_id] = p;
    if (p.invoice_id && state.invoices[p.invoice_id]) state.invoices[p.invoice_id].payments.push(p.payment_id);
    persist();
    if (p.case && SANDBOX_CASES[p.case]?.length) {
      setTimeout(() => {
        advance(p.payment_id, { statuses: SANDBOX_CASES[p.case], interval_ms: cfg.caseDelayMs })
          .catch((e) => console.error(`case ${p.case} of ${p.payment_id}: ${e.message}`));
      }, cfg.caseDelayMs).unref();
    }
  }
  function applyStatus(p, status, paidOverride) {
    const now = Math.max(Date.now(), p.updated_at_ms + 1);
    let paid;
    if (PAID.has(status)) paid = paidOverride ?? p.pay_amount;
    else if (status === 'partially_paid') paid = paidOverride ?? round(p.pay_amount / 2, precisionOf(p.pay_currency));
    else if (status === 'refunded') paid = paidOverride ?? (p.actually_paid || p.pay_amount);
    else if (status === 'cancelled') paid = paidOverride ?? p.actually_paid;
    else paid = paidOverride ?? 0; // waiting, expired, failed
    p.payment_status = status;
    p.actually_paid = paid;
    if (PAID.has(status) || status === 'partially_paid' || (status === 'cancelled' && paid > 0)) {
      const o = outcomeFor(p, paid);
      p.outcome_amount = o.net;
      p.fee = o.fee;
    } else if (status === 'refunded') {
      p.outcome_amount = 0;
    } else if (status !== 'cancelled') {
      p.outcome_amount = null;
      p.fee = { currency: p.outcome_currency, depositFee: 0, serviceFee: 0, withdrawalFee: 0 };
    }
    p.payin_hash = paid > 0 ? txHash(p.pay_currency, 'payin', p.payment_id) : null;
    if (['sending', 'finished', 'partially_paid'].includes(status)) p.payout_hash = txHash(p.outcome_currency, 'payout', p.payment_id);
    else if (status !== 'refunded' && status !== 'cancelled') p.payout_hash = null;
    p.updated_at_ms = now;
    p.updated_at = new Date(now).toISOString();
    p.history.push({ status, at: now, actually_paid: paid });
  }
  // createChild - a repeated deposit to the parent's address (same asset and amounts), or, with
  // payCurrency, a wrong-asset deposit: another coin sent to that address, asked at the parent's
  // price converted to that coin. NOWPayments documents repeated deposits as children with
  // origin_type REPEATED; what it writes for a wrong-asset child is not documented, so the
  // simulator says WRONG_ASSET.
  function createChild(parent, payCurrency = null) {
    const id = newId();
    const now = Math.max(Date.now(), parent.updated_at_ms + 1);
    const child = structuredClone(parent);
    const wrongAsset = payCurrency !== null && payCurrency !== parent.pay_currency;
    if (wrongAsset) {
      child.pay_currency = payCurrency;
      child.pay_amount = round(convert(parent.price_amount, parent.price_currency, payCurrency), COINS[payCurrency].precision);
    }
    Object.assign(child, {
      payment_id: id, parent_payment_id: parent.payment_id, origin_type: wrongAsset ? 'WRONG_ASSET' : 'REPEATED', invoice_id: null,
      order_id: null, order_description: null, payment_status: 'waiting', actually_paid: 0, outcome_amount: null,
      payin_hash: null, payout_hash: null, payment_extra_ids: null, token_id: newId(), case: null,
      created_at: new Date(now).toISOString(), updated_at: new Date(now).toISOString(), updated_at_ms: now,
      fee: { currency: parent.outcome_currency, depositFee: 0, serviceFee: 0, withdrawalFee: 0 },
      history: [{ status: 'waiting', at: now }],
    });
    parent.payment_extra_ids = [...(parent.payment_extra_ids ?? []), id];
    state.payments[id] = child;
    persist();
    return child;
  }

  // ---- IPN delivery
  function postOnce(url, body, headers) {
    return new Promise((resolve) => {
      const started = Date.now();
      let u;
      try { u = new URL(url); } catch { resolve({ http_status: null, ok: false, error: 'invalid url', duration_ms: 0 }); return; }
      const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
      if (!mod) { resolve({ http_status: null, ok: false, error: `unsupported protocol ${u.protocol}`, duration_ms: 0 }); return; }
      let settled = false;
      const done = (r) => { if (!settled) { settled = true; clearTimeout(timer); resolve({ ...r, duration_ms: Date.now() - started }); } };
      const req = mod.request(u, {
        method: 'POST', agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'NOWPayments-sim', ...headers },
      }, (res) => {
        const chunks = [];
        let size = 0;
        res.on('data', (c) => { size += c.length; if (size <= 65536) chunks.push(c); });
        res.on('end', () => {
          const ok = res.statusCode >= 200 && res.statusCode < 300;
          done({ http_status: res.statusCode, ok, error: ok ? null : `HTTP ${res.statusCode}`, response_body: Buffer.concat(chunks).toString('utf8').slice(0, 2000) });
        });
        res.on('error', (e) => done({ http_status: res.statusCode, ok: false, error: e.message }));
      });
      const timer = setTimeout(() => {
        done({ http_status: null, ok: false, error: `no answer within ${cfg.ipnTimeoutMs} ms` });
        req.destroy();
      }, cfg.ipnTimeoutMs);
      req.on('error', (e) => done({ http_status: null, ok: false, error: e.code || e.message }));
      req.end(body);
    });
  }
  // deliver - one IPN, retried; returns { attempts, http_status, ok, error }.
  async function deliver({ url, body, signature, headers = {}, retry = {}, meta = {} }) {
    const attemptsMax = 1 + (retry.attempts ?? cfg.retryAttempts);
    const interval = retry.interval_ms ?? cfg.retryIntervalMs;
    const sigHeader = signature === null ? {} : { 'x-nowpayments-sig': signature };
    let last;
    let n = 0;
    for (n = 1; n <= attemptsMax; n++) {
      last = await postOnce(url, body, { ...sigHeader, ...headers });
      const rec = { time: isoNow(), url, ...meta, attempt: n, http_status: last.http_status, ok: last.ok, error: last.error, duration_ms: last.duration_ms, signature, body };
      ipns.push(rec);
      if (ipns.length > MAX_RECORDS) ipns = ipns.slice(-MAX_RECORDS);
      log({ kind: 'ipn', url, ...meta, attempt: n, http_status: last.http_status, ok: last.ok, error: last.error, duration_ms: last.duration_ms });
      if (last.ok) break;
      if (n < attemptsMax && interval > 0) await sleep(interval);
    }
    return { attempts: Math.min(n, attemptsMax), http_status: last.http_status, ok: last.ok, error: last.error, response_body: last.response_body };
  }

  // advance - the control API's driver (README "advance").
  async function advance(paymentId, opts) {
    const original = state.payments[paymentId];
    if (!original) throw new ParamError(`payment ${paymentId} not found`);
    if (!Array.isArray(opts.statuses) || opts.statuses.length === 0) throw new ParamError('statuses must be a non-empty array');
    const steps = opts.statuses.map((s) => {
      const st = typeof s === 'string' ? { status: s } : s;
      if (!isObj(st) || !STATUSES.includes(st.status)) throw new ParamError(`unknown status ${JSON.stringify(st?.status ?? s)}; one of ${STATUSES.join(', ')}`);
      if (st.actually_paid !== undefined && !(typeof st.actually_paid === 'number' && st.actually_paid >= 0)) throw new ParamError('actually_paid must be a number >= 0');
      return st;
    });
    if (opts.actually_paid !== undefined && !(typeof opts.actually_paid === 'number' && opts.actually_paid >= 0)) throw new ParamError('actually_paid must be a number >= 0');
    const style = opts.style ?? 'sorted';
    if (!['sorted', 'unsorted2023', 'asis'].includes(style)) throw new ParamError('style must be sorted, unsorted2023 or asis');
    const arrays = opts.sig_arrays ?? 'array';
    if (!['array', 'object'].includes(arrays)) throw new ParamError('sig_arrays must be array or object');
    const duplicates = opts.duplicates ?? 0;
    if (!Number.isInteger(duplicates) || duplicates < 0 || duplicates > 100) throw new ParamError('duplicates must be an integer 0..100');
    const interval = opts.interval_ms ?? 0;
    const retry = opts.retry ?? {};
    if (!isObj(retry)) throw new ParamError('retry must be an object');
    const secret = opts.secret ?? cfg.ipnSecret;

    let childCoin = null;
    if (isObj(opts.child) && opts.child.pay_currency !== undefined) {
      childCoin = typeof opts.child.pay_currency === 'string' ? opts.child.pay_currency.toLowerCase() : '';
      if (!COINS[childCoin]) throw new ParamError('child.pay_currency is not supported');
    } else if (opts.child !== undefined && typeof opts.child !== 'boolean' && !isObj(opts.child)) {
      throw new ParamError('child must be a boolean or an object');
    }
    const p = opts.child ? createChild(original, childCoin) : original;
    const url = opts.url ?? p.ipn_callback_url;
    const deliveries = [];
    const applied = [];
    const sendStep = async (step) => {
      if (step.send === false || !url) return;
      let payload = step.payload;
      if (isObj(opts.extra)) payload = { ...payload, ...opts.extra };
      if (Array.isArray(opts.omit)) for (const k of opts.omit) delete payload[k];
      const body = ipnBody(payload, style);
      const signature = signIpn(payload, secret, { arrays });
      for (let i = 0; i <= duplicates; i++) {
        const r = await deliver({ url, body, signature, retry, meta: { payment_id: p.payment_id, payment_status: step.status } });
        deliveries.push({ status: step.status, attempts: r.attempts, http_status: r.http_status, ok: r.ok, ...(r.error ? { error: r.error } : {}) });
      }
    };
    const ordered = [];
    for (let i = 0; i < steps.length; i++) {
      const st = steps[i];
      applyStatus(p, st.status, st.actually_paid ?? opts.actually_paid);
      persist();
      const step = { status: st.status, send: st.send, payload: ipnPayload(p) };
      applied.push({ status: st.status, actually_paid: p.actually_paid, outcome_amount: p.outcome_amount, updated_at: p.updated_at_ms });
      if (opts.shuffle) { ordered.push(step); continue; }
      await sendStep(step);
      if (interval > 0 && i < steps.length - 1) await sleep(interval);
    }
    if (opts.shuffle) {
      for (let i = ordered.length - 1; i > 0; i--) {
        const j = crypto.randomInt(i + 1);
        [ordered[i], ordered[j]] = [ordered[j], ordered[i]];
      }
      for (let i = 0; i < ordered.length; i++) {
        await sendStep(ordered[i]);
        if (interval > 0 && i < ordered.length - 1) await sleep(interval);
      }
    }
    return {
      payment_id: p.payment_id, parent_payment_id: p.parent_payment_id, payment_status: p.payment_status,
      url: url ?? null, steps: applied, deliveries,
    };
  }

  // ---- JWT for POST /v1/auth (HS256, 5 minutes)
  const jwtKey = `nowpayments-sim-jwt:${cfg.apiKey}`;
  const merchantId = String(4000000000 + (sha256(cfg.apiKey).readUInt32BE(0) % 3000000000));
  const b64u = (b) => Buffer.from(b).toString('base64url');
  function makeJwt() {
    const iat = Math.floor(Date.now() / 1000);
    const head = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64u(JSON.stringify({ id: merchantId, iat, exp: iat + cfg.jwtTtlS }));
    const sig = crypto.createHmac('sha256', jwtKey).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${sig}`;
  }
  function jwtValid(token) {
    const parts = token.split('.');
    if (parts.length !== 3) return false;
    const want = crypto.createHmac('sha256', jwtKey).update(`${parts[0]}.${parts[1]}`).digest();
    const got = Buffer.from(parts[2], 'base64url');
    if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return false;
    try {
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
      return typeof claims.exp === 'number' && claims.exp > Date.now() / 1000;
    } catch {
      return false;
    }
  }

  // ---- the /v1 API; every handler returns { status, json } or { status, html }
  function apiRoute(req, url, body) {
    const method = req.method;
    const p = url.pathname.replace(/\/+$/, '');
    const q = url.searchParams;
    if (p === '/v1/status' && method === 'GET') return { status: 200, json: { message: 'OK' } };
    if (p === '/v1/auth' && method === 'POST') return auth(body);
    if (req.headers['x-api-key'] !== cfg.apiKey) return npError(403, 'INVALID_API_KEY', 'Invalid api key');
    if (method === 'GET') {
      if (p === '/v1/currencies') return currencies(q);
      if (p === '/v1/full-currencies') return fullCurrencies();
      if (p === '/v1/merchant/coins') return { status: 200, json: { currencies: Object.keys(COINS) } };
      if (p === '/v1/min-amount') return minAmountRoute(q);
      if (p === '/v1/estimate') return estimate(q);
      if (p === '/v1/payment') return listPayments(req, q);
      const m = /^\/v1\/payment\/([^/]+)$/.exec(p);
      if (m) return getPayment(m[1]);
    }
    if (method === 'POST') {
      if (body.error) return body.error;
      if (p === '/v1/invoice') return createInvoice(body.json);
      if (p === '/v1/invoice-payment') return createInvoicePayment(req, body.json);
      if (p === '/v1/payment') return createPaymentRoute(req, body.json);
      const m = /^\/v1\/payment\/([^/]+)\/update-merchant-estimate$/.exec(p);
      if (m) return updateEstimate(m[1]);
    }
    return npError(404, 'NOT_FOUND', 'Not found');
  }

  function auth(body) {
    if (body.error) return body.error;
    const b = body.json;
    const email = stringField(b, 'email', { required: true });
    const password = stringField(b, 'password', { required: true });
    if (cfg.authEmail && (email !== cfg.authEmail || password !== cfg.authPassword)) {
      return npError(401, 'AUTH_REQUIRED', 'Invalid email or password');
    }
    return { status: 200, json: { token: makeJwt() } };
  }

  function currencies(q) {
    if ((q.get('fixed_rate') ?? '').toLowerCase() === 'true') {
      return {
        status: 200,
        json: {
          currencies: Object.keys(COINS).map((c) => ({
            currency: c,
            max_amount: round(100000 / usd(c), COINS[c].precision),
            min_amount: minAmount(c, null, true),
          })),
        },
      };
    }
    return { status: 200, json: { currencies: Object.keys(COINS) } };
  }

  function fullCurrencies() {
    const created = '2021-01-01T00:00:00.000Z';
    return {
      status: 200,
      json: {
        currencies: Object.entries(COINS).map(([code, c], i) => ({
          id: 100 + i, code: code.toUpperCase(), name: c.name, enable: true, wallet_regex: c.regex,
          priority: c.priority, extra_id_exists: false, extra_id_regex: null, logo_url: `/images/coins/${code}.svg`,
          track: true, cg_id: c.cg, is_maxlimit: false, network: c.network, smart_contract: c.contract,
          network_precision: c.np, explorer_link_hash: null, precision: c.precision, ticker: code.replace(/(trc20|erc20|bsc|matic)$/, '') || code,
          is_defi: false, is_popular: ['btc', 'eth', 'usdttrc20'].includes(code), is_stable: c.rate === 1,
          available_for_to_conversion: true, trust_wallet_id: null, created_at: created, updated_at: created,
        })),
      },
    };
  }

  function minAmountRoute(q) {
    const from = currencyField(Object.fromEntries(q), 'currency_from', ['coin', 'fiat'], { required: true });
    const to = currencyField(Object.fromEntries(q), 'currency_to', ['coin', 'fiat']);
    const fiat = currencyField(Object.fromEntries(q), 'fiat_equivalent', ['fiat']);
    const flags = boolField(Object.fromEntries(q), 'is_fixed_rate') || boolField(Object.fromEntries(q), 'is_fee_paid_by_user');
    // without currency_to NOWPayments uses the outcome currency of the account settings
    const toEff = to ?? cfg.outcomeCurrency ?? (COINS[from.toLowerCase()] ? from.toLowerCase() : 'usdttrc20');
    const min = minAmount(from, toEff, flags);
    const json = { currency_from: from, currency_to: to ?? toEff, min_amount: min };
    if (fiat) json.fiat_equivalent = round(convert(min, from, fiat), 8);
    return { status: 200, json };
  }

  function estimate(q) {
    const o = Object.fromEntries(q);
    const amount = numberField(o, 'amount', { required: true });
    const from = currencyField(o, 'currency_from', ['coin', 'fiat'], { required: true });
    const to = currencyField(o, 'currency_to', ['coin', 'fiat'], { required: true });
    const prec = FIAT[to.toLowerCase()] ? 8 : precisionOf(to);
    return { status: 200, json: { currency_from: from, amount_from: amount, currency_to: to, estimated_amount: round(convert(amount, from, to), prec) } };
  }

  function createInvoice(b) {
    const priceAmount = numberField(b, 'price_amount', { required: true });
    const priceCurrency = currencyField(b, 'price_currency', ['fiat', 'coin'], { required: true });
    const payCurrency = currencyField(b, 'pay_currency', ['coin']);
    const ipn = uriField(b, 'ipn_callback_url');
    const orderId = stringField(b, 'order_id');
    const orderDescription = stringField(b, 'order_description');
    const success = uriField(b, 'success_url');
    const cancel = uriField(b, 'cancel_url');
    const partial = uriField(b, 'partially_paid_url');
    const fixed = boolField(b, 'is_fixed_rate');
    const feePaid = boolField(b, 'is_fee_paid_by_user');
    const now = isoNow();
    const inv = {
      id: newId(), token_id: newId(), order_id: orderId, order_description: orderDescription,
      price_amount: priceAmount, price_amount_text: String(priceAmount), price_currency: priceCurrency,
      pay_currency: payCurrency, ipn_callback_url: ipn, success_url: success, cancel_url: cancel,
      partially_paid_url: partial, customer_email: null, payout_currency: null, created_at: now, updated_at: now,
      is_fixed_rate: fixed || feePaid, is_fee_paid_by_user: feePaid, payments: [],
    };
    state.invoices[inv.id] = inv;
    persist();
    return { status: 201, json: invoiceView(inv) };
  }

  function originIp(req) {
    const h = req.headers['origin-ip'];
    if (typeof h === 'string' && h) return h;
    return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  }

  function createInvoicePayment(req, b) {
    const iid = idField(b, 'iid', { required: true });
    const payCurrency = currencyField(b, 'pay_currency', ['coin'], { required: true }).toLowerCase();
    const purchaseId = idField(b, 'purchase_id');
    const orderId = stringField(b, 'order_id');
    const orderDescription = stringField(b, 'order_description');
    const customerEmail = stringField(b, 'customer_email');
    if (customerEmail !== null && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(customerEmail)) bad('customer_email must be a valid email');
    const inv = state.invoices[iid];
    if (!inv) return npError(404, 'NOT_FOUND', 'Invoice not found');
    const p = newPayment({
      priceAmount: inv.price_amount, priceCurrency: inv.price_currency.toLowerCase(), payCurrency,
      invoiceId: inv.id, orderId: orderId ?? inv.order_id, orderDescription: orderDescription ?? inv.order_description,
      purchaseId, ipnCallbackUrl: inv.ipn_callback_url, customerEmail, isFixedRate: inv.is_fixed_rate,
      isFeePaidByUser: inv.is_fee_paid_by_user, originIp: originIp(req),
    });
    const err = checkMinimum(p);
    if (err) return err;
    storePayment(p);
    return { status: 201, json: createView(p) };
  }

  function createPaymentRoute(req, b) {
    const priceAmount = numberField(b, 'price_amount', { required: true });
    const priceCurrency = currencyField(b, 'price_currency', ['fiat', 'coin'], { required: true }).toLowerCase();
    const payAmount = numberField(b, 'pay_amount');
    const payCurrency = currencyField(b, 'pay_currency', ['coin'], { required: true }).toLowerCase();
    const ipn = uriField(b, 'ipn_callback_url');
    const orderId = stringField(b, 'order_id');
    const orderDescription = stringField(b, 'order_description');
    const purchaseId = idField(b, 'purchase_id');
    const payoutAddress = stringField(b, 'payout_address');
    const payoutCurrency = currencyField(b, 'payout_currency', ['coin']);
    if (payoutAddress && !payoutCurrency) bad('payout_currency is required');
    stringField(b, 'payout_extra_id');
    const fixed = boolField(b, 'is_fixed_rate');
    const feePaid = boolField(b, 'is_fee_paid_by_user');
    const caseName = stringField(b, 'case');
    if (caseName !== null && !Object.hasOwn(SANDBOX_CASES, caseName)) bad(`case must be one of [${Object.keys(SANDBOX_CASES).join(', ')}]`);
    const p = newPayment({
      priceAmount, priceCurrency, payAmount, payCurrency, ipnCallbackUrl: ipn, orderId, orderDescription,
      purchaseId, isFixedRate: fixed, isFeePaidByUser: feePaid, originIp: originIp(req), payoutAddress, caseName,
    });
    const err = checkMinimum(p);
    if (err) return err;
    storePayment(p);
    return { status: 201, json: createView(p) };
  }

  function findPayment(raw) {
    if (!/^\d{1,16}$/.test(raw)) return { error: invalid('paymentID must be a number') };
    const p = state.payments[Number(raw)];
    if (!p) return { error: npError(404, 'NOT_FOUND', 'Payment not found') };
    return { p };
  }

  function getPayment(raw) {
    const { p, error } = findPayment(raw);
    return error ?? { status: 200, json: getView(p) };
  }

  function updateEstimate(raw) {
    const { p, error } = findPayment(raw);
    if (error) return error;
    if (Date.parse(p.expiration_estimate_date) <= Date.now()) {
      p.expiration_estimate_date = new Date(Date.now() + 20 * 60000).toISOString();
      persist();
    }
    return { status: 200, json: { id: String(p.payment_id), token_id: String(p.token_id), pay_amount: p.pay_amount, expiration_estimate_date: p.expiration_estimate_date } };
  }

  const SORTABLE = ['payment_id', 'payment_status', 'pay_address', 'price_amount', 'price_currency', 'pay_amount', 'actually_paid', 'pay_currency', 'order_id', 'order_description', 'purchase_id', 'outcome_amount', 'outcome_currency', 'created_at', 'updated_at'];
  function parseDate(s, key, endOfDay) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
      const t = Date.parse(`${s}T00:00:00.000Z`);
      if (Number.isNaN(t)) bad(`${key} must be a valid date`);
      return endOfDay ? t + 86400000 - 1 : t;
    }
    const t = /^\d{2,4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : NaN;
    if (Number.isNaN(t)) bad(`${key} must be a valid date`);
    return t;
  }
  function listPayments(req, q) {
    const authz = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
    if (!m) return npError(401, 'AUTH_REQUIRED', 'Authorization header is empty (Bearer JWTtoken is required)');
    if (!jwtValid(m[1])) return npError(401, 'AUTH_REQUIRED', 'Invalid or expired token (Bearer JWTtoken is required)');
    const o = Object.fromEntries(q);
    const intParam = (key, dflt, min, max) => {
      if (o[key] === undefined || o[key] === '') return dflt;
      if (!/^-?\d+$/.test(o[key])) bad(`${key} must be a number`);
      const n = Number(o[key]);
      if (n < min) bad(`${key} must be greater than or equal to ${min}`);
      if (max !== undefined && n > max) bad(`${key} must be less than or equal to ${max}`);
      return n;
    };
    const limit = intParam('limit', 10, 1, 500);
    const page = intParam('page', 0, 0);
    const sortBy = o.sortBy || 'created_at';
    if (!SORTABLE.includes(sortBy)) bad(`sortBy must be one of [${SORTABLE.join(', ')}]`);
    const orderBy = o.orderBy || 'asc';
    if (!['asc', 'desc'].includes(orderBy)) bad('orderBy must be one of [asc, desc]');
    const from = o.dateFrom ? parseDate(o.dateFrom, 'dateFrom', false) : null;
    const to = o.dateTo ? parseDate(o.dateTo, 'dateTo', true) : null;
    const invoiceId = o.invoiceId ? idField(o, 'invoiceId') : null;
    let rows = Object.values(state.payments).filter((p) => {
      const t = Date.parse(p.created_at);
      if (from !== null && t < from) return false;
      if (to !== null && t > to) return false;
      if (invoiceId !== null && p.invoice_id !== invoiceId) return false;
      return true;
    });
    const cmp = (a, b) => {
      const x = a[sortBy];
      const y = b[sortBy];
      if (x === y) return 0;
      if (x === null || x === undefined) return -1;
      if (y === null || y === undefined) return 1;
      return x < y ? -1 : 1;
    };
    rows.sort((a, b) => (cmp(a, b) || a.created_at.localeCompare(b.created_at) || a.payment_id - b.payment_id) * (orderBy === 'desc' ? -1 : 1));
    const total = rows.length;
    rows = rows.slice(page * limit, page * limit + limit);
    return { status: 200, json: { data: rows.map(listView), limit, page, pagesCount: Math.ceil(total / limit), total } };
  }

  // ---- faults
  function addFault(b) {
    const modes = ['latency', 'timeout', 'error500', 'html429', 'reset'];
    if (!modes.includes(b.mode)) throw new ParamError(`mode must be one of ${modes.join(', ')}`);
    const count = b.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new ParamError('count must be a positive integer');
    const latency = b.latency_ms ?? (b.mode === 'latency' ? 1000 : b.mode === 'timeout' ? 60000 : 0);
    if (!Number.isInteger(latency) || latency < 0 || latency > 600000) throw new ParamError('latency_ms must be an integer 0..600000');
    const paths = b.paths === undefined || b.paths === null ? null : Array.isArray(b.paths) ? b.paths : [b.paths];
    if (paths && !paths.every((x) => typeof x === 'string')) throw new ParamError('paths must be a string or an array of strings');
    if (b.method !== undefined && typeof b.method !== 'string') throw new ParamError('method must be a string');
    const f = {
      mode: b.mode, remaining: count, latency_ms: b.mode === 'timeout' ? Math.min(latency, 60000) : latency,
      paths, method: b.method ? b.method.toUpperCase() : null, process: b.process === true,
    };
    faults.push(f);
    return f;
  }
  function takeFault(method, pathname) {
    for (const f of faults) {
      if (f.remaining <= 0) continue;
      if (f.method && f.method !== method) continue;
      if (f.paths && !f.paths.some((x) => pathMatches(pathname, x))) continue;
      f.remaining -= 1;
      faults = faults.filter((x) => x.remaining > 0);
      return f;
    }
    return null;
  }

  // ---- HTTP plumbing
  function readBody(req, limit = 1 << 20) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on('data', (c) => {
        size += c.length;
        if (size > limit) { reject(new Error('body too large')); req.destroy(); return; }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }
  function parseJsonBody(text) {
    if (text.trim() === '') return { json: {} };
    try {
      const v = JSON.parse(text);
      if (!isObj(v)) return { error: invalid('Data must be sent as a JSON-object payload') };
      return { json: v };
    } catch {
      return { error: invalid('Invalid JSON payload') };
    }
  }
  function send(res, r) {
    const headers = { 'x-content-type-options': 'nosniff', vary: 'Origin', 'cf-ray': `${crypto.randomBytes(8).toString('hex')}-SIM` };
    let payload;
    if (r.html !== undefined) {
      headers['content-type'] = 'text/html';
      payload = r.html;
    } else {
      headers['content-type'] = 'application/json; charset=utf-8';
      payload = JSON.stringify(r.json);
    }
    headers['content-length'] = Buffer.byteLength(payload);
    res.writeHead(r.status, headers);
    res.end(payload);
  }
  function sendControl(res, status, json) {
    const payload = JSON.stringify(json);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  }

  async function handleApi(req, res, url) {
    const started = Date.now();
    const call = { method: req.method, path: url.pathname, query: url.search.slice(1), time: new Date(started).toISOString(), status: null, duration_ms: null, fault: null, body: null };
    calls.push(call);
    if (calls.length > MAX_RECORDS) calls = calls.slice(-MAX_RECORDS);
    const finish = (status, extra = {}) => {
      call.status = status;
      call.duration_ms = Date.now() - started;
      log({ kind: 'request', method: call.method, path: call.path, query: call.query, status, duration_ms: call.duration_ms, fault: call.fault, ...extra });
    };
    let text = '';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      try { text = await readBody(req); } catch (e) { finish(null, { error: e.message }); return; }
    }
    const body = parseJsonBody(text);
    call.body = body.json ?? (text || null);
    const fault = takeFault(req.method, url.pathname);
    if (fault) call.fault = fault.mode;
    const compute = () => {
      try {
        return apiRoute(req, url, body);
      } catch (e) {
        if (e instanceof ParamError) return invalid(e.message);
        console.error(e);
        return npError(500, 'INTERNAL_ERROR', 'Internal server error');
      }
    };
    if (!fault) { const r = compute(); send(res, r); finish(r.status); return; }
    let processed = null;
    if (fault.process) { processed = compute(); call.processed_status = processed.status; }
    const extra = processed ? { processed_status: processed.status } : {};
    switch (fault.mode) {
      case 'latency': {
        await sleep(fault.latency_ms);
        if (res.destroyed || req.socket.destroyed) { finish(null, { error: 'client went away' }); return; }
        const r = processed ?? compute();
        send(res, r);
        finish(r.status);
        return;
      }
      case 'error500':
        send(res, npError(500, 'INTERNAL_ERROR', 'Internal server error'));
        finish(500, extra);
        return;
      case 'html429':
        send(res, { status: 429, html: HTML_429 });
        finish(429, extra);
        return;
      case 'reset':
        if (typeof req.socket.resetAndDestroy === 'function') req.socket.resetAndDestroy();
        else req.socket.destroy();
        finish(null, extra);
        return;
      case 'timeout': {
        const socket = req.socket;
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, fault.latency_ms);
          socket.once('close', () => { clearTimeout(timer); resolve(); });
        });
        socket.destroy();
        finish(null, extra);
        return;
      }
      default:
        throw new Error(`fault ${fault.mode}`);
    }
  }

  async function handleControl(req, res, url) {
    const p = url.pathname.replace(/\/+$/, '');
    const m = req.method;
    let b = {};
    if (m === 'POST') {
      const text = await readBody(req);
      if (text.trim() !== '') {
        try { b = JSON.parse(text); } catch { return sendControl(res, 400, { error: 'body must be JSON' }); }
        if (!isObj(b)) return sendControl(res, 400, { error: 'body must be a JSON object' });
      }
    }
    try {
      if (p === '/_sim/faults') {
        if (m === 'POST') { const f = addFault(b); return sendControl(res, 200, { added: f, faults }); }
        if (m === 'GET') return sendControl(res, 200, faults);
        if (m === 'DELETE') { faults = []; return sendControl(res, 200, faults); }
      }
      if (p === '/_sim/calls') {
        if (m === 'GET') {
          const method = url.searchParams.get('method');
          const prefix = url.searchParams.get('path');
          const list = calls.filter((c) => (!method || c.method === method.toUpperCase()) && (!prefix || pathMatches(c.path, prefix)));
          return sendControl(res, 200, list);
        }
        if (m === 'DELETE') { calls = []; return sendControl(res, 200, []); }
      }
      if (p === '/_sim/ipns') {
        if (m === 'GET') {
          const pid = url.searchParams.get('payment_id');
          return sendControl(res, 200, pid ? ipns.filter((x) => String(x.payment_id) === pid) : ipns);
        }
        if (m === 'DELETE') { ipns = []; return sendControl(res, 200, []); }
      }
      if (p === '/_sim/reset' && m === 'POST') {
        state = { version: 1, invoices: {}, payments: {} };
        calls = [];
        ipns = [];
        faults = [];
        usedIds.clear();
        persist();
        return sendControl(res, 200, { reset: true });
      }
      if (p === '/_sim/ipn' && m === 'POST') return sendControl(res, 200, await controlIpn(b));
      if (p === '/_sim/payments' && m === 'GET') return sendControl(res, 200, Object.values(state.payments).map(internalView));
      if (p === '/_sim/invoices' && m === 'GET') return sendControl(res, 200, Object.values(state.invoices).map((i) => ({ ...i, view: invoiceView(i) })));
      let mm = /^\/_sim\/invoices\/(\d+)$/.exec(p);
      if (mm && m === 'GET') {
        const inv = state.invoices[Number(mm[1])];
        if (!inv) return sendControl(res, 404, { error: 'invoice not found' });
        return sendControl(res, 200, { ...inv, view: invoiceView(inv) });
      }
      mm = /^\/_sim\/payments\/(\d+)$/.exec(p);
      if (mm && m === 'GET') {
        const pay = state.payments[Number(mm[1])];
        if (!pay) return sendControl(res, 404, { error: 'payment not found' });
        return sendControl(res, 200, internalView(pay));
      }
      mm = /^\/_sim\/payments\/(\d+)\/advance$/.exec(p);
      if (mm && m === 'POST') {
        if (!state.payments[Number(mm[1])]) return sendControl(res, 404, { error: 'payment not found' });
        return sendControl(res, 200, await advance(Number(mm[1]), b));
      }
      return sendControl(res, 404, { error: `no control endpoint ${m} ${p}` });
    } catch (e) {
      if (e instanceof ParamError) return sendControl(res, 400, { error: e.message });
      throw e;
    }
  }
  function internalView(p) {
    return { ...p, get_view: getView(p), ipn_payload: ipnPayload(p) };
  }

  async function controlIpn(b) {
    if (typeof b.url !== 'string') throw new ParamError('url is required');
    const style = b.style ?? 'sorted';
    if (!['sorted', 'unsorted2023', 'asis'].includes(style)) throw new ParamError('style must be sorted, unsorted2023 or asis');
    const secret = b.secret ?? cfg.ipnSecret;
    const arrays = b.sig_arrays ?? 'array';
    let body;
    let signature;
    if (typeof b.body === 'string') {
      body = b.body;
      let parsed;
      try { parsed = JSON.parse(body); } catch { parsed = undefined; }
      signature = parsed === undefined ? hmacHex(secret, body) : signIpn(parsed, secret, { arrays });
    } else {
      if (!isObj(b.payload)) throw new ParamError('payload (an object) or body (a string) is required');
      body = ipnBody(b.payload, style);
      signature = signIpn(b.payload, secret, { arrays });
    }
    if (typeof b.signature === 'string') signature = b.signature;
    if (b.signature === null) signature = null;
    const headers = isObj(b.headers) ? b.headers : {};
    const r = await deliver({ url: b.url, body, signature, headers, retry: isObj(b.retry) ? b.retry : {}, meta: { payment_id: b.payload?.payment_id ?? null, payment_status: b.payload?.payment_status ?? null, forged: true } });
    return { url: b.url, body, signature, ...r };
  }

  const server = http.createServer((req, res) => {
    let url;
    try { url = new URL(req.url, 'http://sim'); } catch { res.writeHead(400).end(); return; }
    const h = url.pathname.startsWith('/_sim/') || url.pathname === '/_sim' ? handleControl : handleApi;
    h(req, res, url).catch((e) => {
      console.error(e);
      if (!res.headersSent) sendControl(res, 500, { error: e.message });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;

  loadState();
  return {
    server,
    config: cfg,
    get state() { return state; },
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(cfg.port, cfg.host, () => resolve(server.address()));
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------
// Main

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(fs.realpathSync(path.resolve(process.argv[1]))).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  let sim;
  try {
    sim = createSimulator(loadConfig());
  } catch (e) {
    console.error(JSON.stringify({ level: 'error', msg: `nowpayments-sim: ${e.message}` }));
    process.exit(2);
  }
  sim.listen().then((addr) => {
    console.log(JSON.stringify({
      level: 'info', msg: 'nowpayments-sim listening', url: `http://${addr.address}:${addr.port}/v1`,
      control: `http://${addr.address}:${addr.port}/_sim`, state_file: sim.config.stateFile, log: sim.config.logFile,
    }));
  }, (e) => {
    console.error(JSON.stringify({ level: 'error', msg: `nowpayments-sim: cannot listen: ${e.message}` }));
    process.exit(1);
  });
  const stop = () => { sim.close().then(() => process.exit(0)); setTimeout(() => process.exit(0), 2000).unref(); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
