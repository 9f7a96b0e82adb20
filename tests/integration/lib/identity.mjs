// Users, tokens and orders for the tests: users and tokens come from the real
// ffx-admin tool; forged and expired tokens are signed here with Node's crypto.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { BUILD_DIR, sql } from './stack.mjs';

const ADMIN = path.join(BUILD_DIR, 'bin', 'ffx-admin');
export const DEV_JWT_SECRET = process.env.SUPABASE_JWT_SECRET ?? 'super-secret-jwt-token-with-at-least-32-characters-long';
// The well-known `supabase start` keys, signed with the dev secret.
export const ANON_KEY = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';
export const SERVICE_ROLE_KEY = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU';
export const SECRET_KEY = process.env.FFX_SECRET_KEYS?.split(',')[0] ?? 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';

export function admin(...args) {
  return execFileSync(ADMIN, args, { encoding: 'utf8', env: process.env }).trim();
}

let serial = 0;
export function createUser({ isAdmin = false } = {}) {
  const email = `user${process.pid}-${Date.now()}-${++serial}@example.com`;
  const id = admin('user', 'create', '--email', email, '--first-name', 'Test', '--last-name', 'User', ...(isAdmin ? ['--admin'] : []));
  return { id, email, token: admin('token', '--user', id) };
}

const b64url = (s) => Buffer.from(s).toString('base64url');
export function signHS256(payload, secret = DEV_JWT_SECRET, header = { alg: 'HS256', typ: 'JWT' }) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function userClaims(user, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { sub: user.id, aud: 'authenticated', role: 'authenticated', email: user.email, iat: now, exp: now + 600, app_metadata: { provider: 'email' }, ...extra };
}

// An order of the user's, inserted as the superuser (prices set explicitly
// until the pricing issue lands); returns its FFX id.
export function createOrder(user, { type = 'one_step', size = 10000, platform = 'mt4', amount = 649 } = {}) {
  return sql(`insert into orders (user_id, account_type, account_size, platform_type, amount, final_amount)
              values (:'p1', :'p2', :'p3', :'p4', :'p5', :'p5') returning order_id`,
  user.id, type, size, platform, amount)[0][0];
}

// A NOWPayments payment recorded for the order.
export function addPayment(orderId, { paymentId, status = 'waiting', payAmount = 0.0245, currency = 'btc', createdAt = 'now()' } = {}) {
  const id = paymentId ?? String(5000000000 + Math.floor(Math.random() * 999999999));
  sql(`insert into payments (payment_id, order_id, user_id, payment_status, pay_address, pay_amount, pay_currency,
                             price_amount, price_currency, provider_created_at, provider_updated_at)
       select :'p1', o.order_id, o.user_id, :'p2', 'bc1qtestaddress', :'p3', :'p4', o.final_amount, 'usd', ${createdAt}, ${createdAt}
       from orders o where o.order_id = :'p5'`, id, status, payAmount, currency, orderId);
  return id;
}
