-- 50_payments: the payment state machine and its inbox.
--
-- Every provider event (IPN, the status refresh of check-payment-status, the reconciler's
-- GET /v1/payment) goes through ONE function, payment_apply(), which moves the order forward
-- monotonically and delivers an account on a verified payment, in the same transaction:
--
--   payment-webhook ─ ipn_receive(payload, signature)
--                       │ inbox row in ipn_events (dedupe_key UNIQUE: a re-sent notification
--                       │ is a 'duplicate' and changes nothing else)
--                       └─ subtransaction: payment_apply(payload, 'ipn')
--                            │ match the order, lock it, upsert the payments row,
--                            │ apply the status mapping, payment_transactions + audit rows
--                            └─ money verified: payment_settle -> deliver_account_core (60_delivery)
--                                 lock an inventory row (FOR UPDATE SKIP LOCKED), delivered_accounts,
--                                 order completed/paid/delivered, user totals, audit, e-mail outbox
--
-- An exception inside the subtransaction rolls back only the apply: the event stays stored with
-- state 'failed' and its error, the webhook still answers 200, and ipn_reprocess() runs it again.
--
-- An order is paid, and delivers, only when the money NOWPayments reports as received for it
-- covers what it asked (README "Deviations from the seed"; docs/RELIABILITY.md "Money integrity"):
--
--   A payment GROUP is one of the order's own payments (the root: no parent, or a parent we do
--   not know) plus its child payments (repeated or wrong-asset deposits: parent_payment_id = the
--   root's payment_id; their IPNs may carry order_id null). The group's RECEIVED money is the sum
--   of actually_paid over its members whose status says the money reached the merchant
--   ('finished' or 'partially_paid') AND whose reported pay_currency is the currency recorded for
--   the root when it was created. Amounts are numeric, never floating point.
--
--   verdict(group) =
--     price_mismatch   the root's price is not the order's final_amount in usd
--     paid             a member is 'finished' and received >= pay_amount * (1 - tolerance)
--                      (and <= pay_amount * (1 + tolerance))
--     overpaid         a member is 'finished' and received > pay_amount * (1 + tolerance):
--                      delivers, the excess is flagged for a refund decision
--     wrong_currency   not paid, and money arrived in another asset
--     partially_paid   not paid, and the money so far is on partially_paid payments only
--                      (NOWPayments advises against delivering on partially_paid alone, so even
--                      a covering total needs a finished member, e.g. the repeated deposit)
--     underpaid        not paid otherwise (e.g. a 'finished' report of half the amount)
--
--   tolerance = payment_settings.underpay_tolerance (default 0.005, set from FFX_UNDERPAY_TOLERANCE
--   by scripts/migrate).
--
-- payment_apply evaluates the group of the payment an event is about whenever that event says
-- money arrived (finished, partially_paid) on an order that is not settled yet. paid/overpaid:
-- the order becomes paid (paid_at), the group's members are marked `counted`, and the account is
-- delivered in the same transaction. Anything else HOLDS the order: nothing is delivered, the
-- order is processing/pending (a failed order stays failed), needs_attention names the verdict,
-- attention_detail carries what an operator needs (asked, received per payment, currency,
-- tolerance), and the customer gets one 'payment_review' e-mail. So does a full payment from a
-- customer whose profile is banned or suspended ('customer_blocked'). An operator resolves a
-- hold with admin_order_accept_payment (ffx-admin orders accept-payment), audited.
--
-- confirmed and sending make an order processing/pending (the seed's own values), not 'paid':
-- the amount is not known to be complete until the payment finishes. 'paid' means a verified
-- payment.
--
-- Monotonic: a payments row's status only moves up the rank of payment_status_rank(), except by
-- the allowed terminal transitions (failed/expired -> finished: a late payment, honoured;
-- finished -> refunded; failed/expired -> refunded); nothing leaves refunded. An event the
-- payments row does not take (a 'confirming' after 'finished') is still recorded in
-- payment_transactions and audited as 'payment_event_ignored', and changes no order state.
-- The order never leaves a settled state (paid_at set or delivered) except by a refund of the
-- payment that paid it.
--
-- On a settled order, money on a payment that was not counted is a second payment: needs_review
-- and 'second_payment_refund_review' (a child after finished, another coin's payment). The first
-- money for an order that an operator settled without any (deliver --force) is counted instead.
-- A refund of a counted payment refunds the order; of an uncounted one, it only ends its review.
-- orders.needs_attention names the newest reason an operator must look; every change of it is
-- in admin_audit_log.
--
-- Callers: SECURITY DEFINER functions check the caller themselves (service_role, or an admin
-- claim where the admin console needs it). The helpers hold the logic, are SECURITY INVOKER and
-- executable by nobody but their owner, so only the checked entry points reach them.
--
-- Locks, always in this order: the order row (FOR UPDATE), its payments row, an inventory row
-- (FOR UPDATE SKIP LOCKED: never waited for), the customer's user_profiles row (totals). Two
-- deliveries to one customer therefore serialise on the profile row for the rest of the first
-- transaction. Only a transaction that delivers several orders (stock arrival) can meet another
-- one doing so for the same customers in the opposite order; the deadlock detector then fails one
-- delivery, which deliver_waiting_core catches: that order simply keeps waiting.
--
-- Business errors: SQLSTATE FF400/FF403/FF404/FF409 with the client message. A malformed provider
-- payload raises 22023 (or the cast's own error), which the inbox records as 'failed'.

-- =============================================================================================
-- payments: one row per NOWPayments payment, several per order. Customers and admins read it
-- under RLS; only the backend writes; no DELETE for anyone (payments are financial records).
-- =============================================================================================
revoke all on table public.payments from public, anon, authenticated, service_role;
grant select on table public.payments to authenticated;
-- service_role reads only: payment_apply() and the checkout functions (SECURITY DEFINER) write it
grant select on table public.payments to service_role;

drop policy if exists "Users can view own payments" on public.payments;
create policy "Users can view own payments" on public.payments
  for select to authenticated
  using ((select auth.uid()) = user_id);

drop policy if exists "Admins can view all payments" on public.payments;
create policy "Admins can view all payments" on public.payments
  for select to authenticated
  using ((select ffx_internal.is_admin()));

create or replace trigger update_payments_updated_at
  before update on public.payments
  for each row
  when ((to_jsonb(old) - array['reconcile_attempts', 'next_reconcile_at', 'updated_at'])
        is distinct from (to_jsonb(new) - array['reconcile_attempts', 'next_reconcile_at', 'updated_at']))
  execute function ffx_internal.update_updated_at_column();

-- =============================================================================================
-- payment_transactions: every provider event for an order (the audit trail of payments)
-- =============================================================================================
create or replace trigger update_payment_transactions_updated_at
  before update on public.payment_transactions
  for each row execute function ffx_internal.update_updated_at_column();

revoke all on table public.payment_transactions from public, anon, authenticated, service_role;
grant select, insert, update, delete on table public.payment_transactions to authenticated;
-- service_role reads only: the backend writes it through SECURITY DEFINER functions (docs/DATA_API.md)
grant select on table public.payment_transactions to service_role;

drop policy if exists "Users can view own payment transactions" on public.payment_transactions;
create policy "Users can view own payment transactions" on public.payment_transactions
  for select to authenticated
  using ((select auth.uid()) = user_id);

drop policy if exists "Admins can manage all payment transactions" on public.payment_transactions;
create policy "Admins can manage all payment transactions" on public.payment_transactions
  for all to authenticated
  using ((select ffx_internal.is_admin()))
  with check ((select ffx_internal.is_admin()));

-- =============================================================================================
-- payment_settings: one row, how payments are verified
-- =============================================================================================
create or replace trigger update_payment_settings_updated_at
  before update on public.payment_settings
  for each row execute function ffx_internal.update_updated_at_column();

revoke all on table public.payment_settings from public, anon, authenticated, service_role;
grant select on table public.payment_settings to authenticated, service_role;

drop policy if exists "Admins and the backend can read payment settings" on public.payment_settings;
create policy "Admins and the backend can read payment settings" on public.payment_settings
  for select to authenticated, service_role
  using ((select ffx_internal.is_admin()) or (select ffx_internal.is_service_role()));

-- =============================================================================================
-- ipn_events: the inbox. Every signed notification is stored before it is applied.
-- =============================================================================================
revoke all on table public.ipn_events from public, anon, authenticated, service_role;
revoke all on sequence public.ipn_events_id_seq from public, anon, authenticated, service_role;
-- admins run as authenticated: SELECT, narrowed to admins by the policy
grant select on table public.ipn_events to authenticated;
-- service_role reads only (ffx-admin ipn list): ipn_receive() and the reprocessors (SECURITY
-- DEFINER) write it
grant select on table public.ipn_events to service_role;

drop policy if exists "Admins can view IPN events" on public.ipn_events;
create policy "Admins can view IPN events" on public.ipn_events
  for select to authenticated
  using ((select ffx_internal.is_admin()));

-- =============================================================================================
-- helpers
-- =============================================================================================
-- =============================================================================================
-- helpers
-- =============================================================================================

-- Rank of a NOWPayments payment status (docs/NOWPAYMENTS.md, "Payment statuses"): a payments row only
-- moves to
-- a higher rank (plus the allowed terminal transitions, see payment_apply). Unknown: 0.
create or replace function ffx_internal.payment_status_rank(p_status text)
returns integer
language sql
immutable
parallel safe
as $$
  select case p_status
           when 'waiting'        then 1
           when 'confirming'     then 2
           when 'confirmed'      then 3
           when 'sending'        then 4
           when 'partially_paid' then 5
           when 'finished'       then 6
           when 'failed'         then 7
           when 'expired'        then 7
           when 'refunded'       then 8
           else 0
         end
$$;

comment on function ffx_internal.payment_status_rank(text) is
  'waiting 1, confirming 2, confirmed 3, sending 4, partially_paid 5, finished 6, failed/expired 7 (terminal), refunded 8; unknown 0.';
revoke all on function ffx_internal.payment_status_rank(text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.payment_status_rank(text) to authenticated, service_role;

-- The inbox's dedupe key. Built from the parsed document, so key order and whitespace of the body
-- do not matter, and payment_id 5800567260 and "5800567260" give the same key. A provider retry,
-- a dashboard resend and a simulator duplicate carry the same updated_at and amounts.
create or replace function ffx_internal.ipn_dedupe_key(p_payload jsonb)
returns text
language sql
immutable
parallel safe
as $$
  select (p_payload ->> 'payment_id') || ':' || (p_payload ->> 'payment_status')
         || ':' || coalesce(p_payload ->> 'updated_at', '')
         || ':' || coalesce(p_payload ->> 'actually_paid', '')
         || ':' || coalesce(p_payload ->> 'outcome_amount', '')
$$;

comment on function ffx_internal.ipn_dedupe_key(jsonb) is
  'payment_id:payment_status:updated_at:actually_paid:outcome_amount of an IPN body (ipn_events.dedupe_key).';
revoke all on function ffx_internal.ipn_dedupe_key(jsonb) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.ipn_dedupe_key(jsonb) to authenticated, service_role;

-- A provider timestamp: epoch milliseconds (IPNs) or ISO-8601 (GET responses). Anything else is
-- NULL: a bad timestamp must not make an otherwise good event fail.
create or replace function ffx_internal.provider_timestamp(p_value text)
returns timestamptz
language plpgsql
stable
set search_path = ''
as $$
declare
  v text := btrim(p_value);
begin
  if v is null or v = '' then
    return null;
  end if;
  if v ~ '^\d{1,16}(\.\d+)?$' then
    return to_timestamp(v::numeric / 1000);
  end if;
  return v::timestamptz;
exception when others then
  return null;
end
$$;
revoke all on function ffx_internal.provider_timestamp(text) from public, anon, authenticated, service_role;

-- =============================================================================================
-- The verdict on a payment group
-- =============================================================================================
-- =============================================================================================
-- the rule
-- =============================================================================================

-- payment_group_root(payment): the group a payment belongs to, i.e. its parent when the parent
-- is recorded for the same order, otherwise itself. Owner only.
create or replace function ffx_internal.payment_group_root(p_payment_row_id uuid)
returns public.payments
language sql
stable
security invoker
set search_path = ''
as $$
  select coalesce(
           (select r from public.payments r
             where r.provider = 'nowpayments' and r.payment_id = pm.parent_payment_id
               and r.order_id = pm.order_id),
           pm)
    from public.payments pm
   where pm.id = p_payment_row_id
$$;
revoke all on function ffx_internal.payment_group_root(uuid) from public, anon, authenticated, service_role;

-- payment_group_verdict(order, root): the verdict of the header on the group rooted at root, with
-- everything an operator needs to judge it:
--   {"verdict", "currency", "asked", "received", "tolerance", "price_amount", "price_currency",
--    "final_amount", "payments": [{"payment_id", "status", "actually_paid", "pay_currency",
--    "counts"}]}
-- Owner only.
create or replace function ffx_internal.payment_group_verdict(p_order_id text, p_root_id uuid)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  o         public.orders%rowtype;
  r         public.payments%rowtype;
  v_tol     numeric;
  v_got     numeric;
  v_foreign numeric;
  v_final   boolean;
  v_members jsonb;
  v_verdict text;
begin
  select * into o from public.orders x where x.order_id = p_order_id;
  select * into r from public.payments x where x.id = p_root_id;
  select s.underpay_tolerance into v_tol from public.payment_settings s;
  v_tol := coalesce(v_tol, 0.005);

  with members as (
    select m.payment_id, m.payment_status, coalesce(m.actually_paid, 0) as paid,
           lower(coalesce(m.raw ->> 'pay_currency', m.pay_currency)) as currency,
           m.payment_status in ('finished', 'partially_paid') as received,
           m.created_at
      from public.payments m
     where m.order_id = o.order_id
       and (m.id = r.id or (m.provider = r.provider and m.parent_payment_id = r.payment_id))
  )
  select coalesce(sum(m.paid) filter (where m.received and m.currency = r.pay_currency), 0),
         coalesce(sum(m.paid) filter (where m.received and m.currency is distinct from r.pay_currency), 0),
         coalesce(bool_or(m.payment_status = 'finished')
                    filter (where m.received and m.currency = r.pay_currency and m.paid > 0), false),
         jsonb_agg(jsonb_build_object(
                     'payment_id', m.payment_id, 'status', m.payment_status, 'actually_paid', m.paid,
                     'pay_currency', m.currency,
                     'counts', m.received and m.currency = r.pay_currency)
                   order by m.created_at, m.payment_id)
    into v_got, v_foreign, v_final, v_members
    from members m;

  v_verdict := case
    when r.price_amount is distinct from o.final_amount or r.price_currency is distinct from 'usd'
      then 'price_mismatch'
    when r.pay_amount is null or r.pay_amount <= 0 or r.pay_currency is null
      then 'underpaid'
    when v_final and v_got > r.pay_amount * (1 + v_tol) then 'overpaid'
    when v_final and v_got >= r.pay_amount * (1 - v_tol) then 'paid'
    when v_foreign > 0 then 'wrong_currency'
    when not v_final and v_got > 0 then 'partially_paid'
    else 'underpaid'
  end;

  return jsonb_build_object(
    'verdict', v_verdict,
    'root_payment_id', r.payment_id,
    'currency', r.pay_currency,
    'asked', r.pay_amount,
    'received', v_got,
    'received_other_assets', v_foreign,
    'tolerance', v_tol,
    'price_amount', r.price_amount,
    'price_currency', r.price_currency,
    'final_amount', o.final_amount,
    'payments', coalesce(v_members, '[]'::jsonb));
end
$$;

comment on function ffx_internal.payment_group_verdict(text, uuid) is
  'paid | overpaid | underpaid | partially_paid | wrong_currency | price_mismatch for one payment group of an order, with the amounts (owner only).';
revoke all on function ffx_internal.payment_group_verdict(text, uuid) from public, anon, authenticated, service_role;

-- payment_hold(order, reason, detail, source): nothing is delivered; the order waits for an
-- operator. Owner only; the caller holds the order's lock.
create or replace function ffx_internal.payment_hold(p_order_id text, p_reason text, p_detail jsonb)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  o       public.orders%rowtype;
  v_first text;
  v_email text;
begin
  select * into o from public.orders x where x.order_id = p_order_id;
  update public.orders x
     set order_status     = case when x.order_status in ('pending', 'processing') then 'processing' else x.order_status end,
         payment_status   = case when x.order_status in ('pending', 'processing') then 'pending' else x.payment_status end,
         needs_attention  = p_reason,
         attention_detail = p_detail
   where x.order_id = p_order_id;

  select p.first_name, nullif(btrim(p.email), '') into v_first, v_email
    from public.user_profiles p where p.id = o.user_id;
  if v_email is null then
    select nullif(btrim(u.email), '') into v_email from auth.users u where u.id = o.user_id;
  end if;
  if v_email is not null then
    insert into public.email_outbox (order_id, template_name, to_email, variables)
    values (o.order_id, 'payment_review', v_email,
            jsonb_build_object('first_name', coalesce(v_first, ''),
                               'order_id', o.order_id,
                               'pay_currency', upper(coalesce(p_detail ->> 'currency', '')),
                               'asked', coalesce(p_detail ->> 'asked', ''),
                               'received', coalesce(p_detail ->> 'received', '')))
    on conflict (order_id, template_name) do nothing;
  end if;
end
$$;
revoke all on function ffx_internal.payment_hold(text, text, jsonb) from public, anon, authenticated, service_role;

-- payment_settle(order, root, detail, reason, source): the order is paid by the group rooted at
-- root: paid_at, counted members, the excess flagged when overpaid, other money flagged for
-- review; then the delivery. Owner only; the caller holds the order's lock. Returns the
-- delivery's result.
create or replace function ffx_internal.payment_settle(p_order_id text, p_root_id uuid, p_detail jsonb, p_source text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  o       public.orders%rowtype;
  r       public.payments%rowtype;
  v_other integer;
begin
  select * into o from public.orders x where x.order_id = p_order_id;
  select * into r from public.payments x where x.id = p_root_id;

  update public.payments m
     set counted = true
   where m.order_id = o.order_id
     and (m.id = r.id or (m.provider = r.provider and m.parent_payment_id = r.payment_id))
     and m.payment_status in ('finished', 'partially_paid');

  -- money on the order's other payments did not pay it: a refund decision
  update public.payments m
     set needs_review = true
   where m.order_id = o.order_id and not m.counted and not m.needs_review
     and m.payment_status in ('finished', 'partially_paid') and coalesce(m.actually_paid, 0) > 0;
  get diagnostics v_other = row_count;

  update public.orders x
     set order_status     = 'processing',
         payment_status   = 'paid',
         paid_at          = coalesce(x.paid_at, now()),
         needs_attention  = case
                              when p_detail ->> 'verdict' = 'overpaid' then 'overpaid'
                              when v_other > 0 then 'second_payment_refund_review'
                              else null
                            end,
         attention_detail = case when p_detail ->> 'verdict' = 'overpaid' or v_other > 0 then p_detail end
   where x.order_id = o.order_id;

  return ffx_internal.deliver_account_core(o.order_id, o.user_id, p_source || '_finished');
end
$$;
revoke all on function ffx_internal.payment_settle(text, uuid, jsonb, text) from public, anon, authenticated, service_role;

-- =============================================================================================
-- payment_apply: THE transition
-- =============================================================================================
--
-- p_payment: a NOWPayments payment object, IPN or GET shape (payment_id number or string,
-- payment_status, order_id or null, parent_payment_id, invoice_id, pay_address, pay_amount,
-- pay_currency, price_amount, price_currency, actually_paid, outcome_amount, outcome_currency,
-- created_at, updated_at as ISO-8601 or epoch ms). p_source names the path ('ipn',
-- 'status_check', 'reconcile', ...): payment_transactions.event_type = <source>_<status>.
-- Admins and service_role (FF403 otherwise).
--
-- (a) The order: by order_id; else the order of the parent payment (child payments carry
--     order_id null); else by orders.invoice_id; else the order of an existing payments row with
--     this payment_id. None: {"outcome":"unmatched"} and nothing is written.
-- (b) The order row is locked: every event of one order is serialised.
-- (c) The payments row is inserted or updated, up the rank only (see the header). A payment that
--     is already recorded for another order is refused (22023): the event fails for review.
--     Amounts and raw follow the newest report only; pay_currency keeps what was first recorded
--     (a later report of another asset is kept in raw and does not count).
-- (d) The order moves (only on an event that is the payment's current status):
--     waiting/confirming/confirmed/sending: an unsettled pending order becomes
--       processing/pending (only by its most advanced payment).
--     finished/partially_paid:
--       closed order (refunded/cancelled): needs_review + second_payment_refund_review.
--       settled order: the counted payment again finishes a pending delivery; the first money of
--         an order settled without money is counted; any other newly received money is a second
--         payment (needs_review + second_payment_refund_review).
--       otherwise: the group's verdict; paid/overpaid (and the customer active): payment_settle
--         and delivery; anything else: payment_hold.
--     failed/expired: fail an unsettled pending/processing order unless another of its payments
--       is still alive (waiting..partially_paid) or finished.
--     refunded (when newly applied): a refund of a payment that did not pay the order (it was not
--       counted, another was) ends its review only; otherwise the order becomes refunded/refunded
--       and its delivered account is suspended.
-- (e) payment_transactions row for every matched event; admin_audit_log 'payment_status_changed'
--     for every change of the order's statuses or needs_attention (old/new values and the
--     verdict), and 'payment_event_ignored' for an event the payments row did not take.
--
-- Returns {"outcome":"processed","order_id","order_status","payment_status","delivery_status",
-- "needs_attention","payment_id","delivered": this call delivered an account,
-- "changed": the payment's status or flags or the order changed}, plus "verdict" when one was
-- taken (the group's, or customer_blocked).
create or replace function ffx_internal.payment_apply(p_payment jsonb, p_source text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_pid           text;
  v_status        text;
  v_order_ref     text;
  v_parent        text;
  v_invoice       text;
  v_price         numeric;
  v_price_cur     text;
  v_pay_amount    numeric;
  v_pay_cur       text;
  v_pay_address   text;
  v_paid          numeric;
  v_outcome       numeric;
  v_outcome_cur   text;
  v_created       timestamptz;
  v_updated       timestamptz;
  v_order_id      text;
  o               public.orders%rowtype;
  pm              public.payments%rowtype;
  v_root          public.payments%rowtype;
  v_old           text;
  v_inserted      boolean := false;
  v_applied       boolean;
  v_current       boolean;
  v_review_before boolean := false;
  v_rank          integer;
  v_other_max     integer;
  v_alive_other   boolean;
  v_any_counted   boolean;
  v_settled       boolean;
  v_closed        boolean;
  v_detail        jsonb;
  v_verdict       text;
  v_before        jsonb;
  v_after         jsonb;
  v_delivery      jsonb;
  v_delivered     boolean := false;
  v_suspended     integer := 0;
begin
  perform ffx_internal.require_admin_or_service();
  if p_source is null or p_source !~ '^[a-z][a-z_]{0,31}$' then
    raise exception 'payment_apply: invalid source %', coalesce(p_source, 'NULL')
      using errcode = 'invalid_parameter_value';
  end if;
  if jsonb_typeof(p_payment) is distinct from 'object' then
    raise exception 'payment_apply: the payment must be a JSON object' using errcode = 'invalid_parameter_value';
  end if;

  v_pid    := nullif(btrim(p_payment ->> 'payment_id'), '');
  v_status := lower(nullif(btrim(p_payment ->> 'payment_status'), ''));
  if v_pid is null or v_status is null then
    raise exception 'payment_apply: payment_id and payment_status are required' using errcode = 'invalid_parameter_value';
  end if;
  v_rank := ffx_internal.payment_status_rank(v_status);
  if v_rank = 0 then
    raise exception 'payment_apply: unknown payment_status %', v_status using errcode = 'invalid_parameter_value';
  end if;

  v_order_ref   := nullif(btrim(p_payment ->> 'order_id'), '');
  v_parent      := nullif(btrim(p_payment ->> 'parent_payment_id'), '');
  v_invoice     := nullif(btrim(p_payment ->> 'invoice_id'), '');
  -- amounts are strict: a price that is not a number must not decide a delivery
  v_price       := nullif(btrim(p_payment ->> 'price_amount'), '')::numeric;
  v_price_cur   := lower(nullif(btrim(p_payment ->> 'price_currency'), ''));
  v_pay_amount  := nullif(btrim(p_payment ->> 'pay_amount'), '')::numeric;
  v_pay_cur     := lower(nullif(btrim(p_payment ->> 'pay_currency'), ''));
  v_pay_address := nullif(btrim(p_payment ->> 'pay_address'), '');
  v_paid        := nullif(btrim(p_payment ->> 'actually_paid'), '')::numeric;
  v_outcome     := nullif(btrim(p_payment ->> 'outcome_amount'), '')::numeric;
  v_outcome_cur := lower(nullif(btrim(p_payment ->> 'outcome_currency'), ''));
  v_created     := ffx_internal.provider_timestamp(p_payment ->> 'created_at');
  v_updated     := ffx_internal.provider_timestamp(p_payment ->> 'updated_at');

  -- (a) match ---------------------------------------------------------------------------------
  if v_order_ref is not null then
    select x.order_id into v_order_id from public.orders x where x.order_id = v_order_ref;
  end if;
  if v_order_id is null and v_parent is not null then
    select pp.order_id into v_order_id
      from public.payments pp where pp.provider = 'nowpayments' and pp.payment_id = v_parent;
  end if;
  if v_order_id is null and v_invoice is not null then
    select x.order_id into v_order_id
      from public.orders x where x.invoice_id = v_invoice order by x.created_at, x.order_id limit 1;
  end if;
  if v_order_id is null then
    select pp.order_id into v_order_id
      from public.payments pp where pp.provider = 'nowpayments' and pp.payment_id = v_pid;
  end if;
  if v_order_id is null then
    return jsonb_build_object('outcome', 'unmatched', 'payment_id', v_pid, 'payment_status', v_status);
  end if;

  -- (b) lock ----------------------------------------------------------------------------------
  select * into o from public.orders x where x.order_id = v_order_id for update;
  v_before := jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status,
                                 'delivery_status', o.delivery_status, 'needs_attention', o.needs_attention);

  -- (c) the payments row ----------------------------------------------------------------------
  select * into pm from public.payments x
   where x.provider = 'nowpayments' and x.payment_id = v_pid
     for update;
  if not found then
    insert into public.payments (provider, payment_id, order_id, user_id, invoice_id, parent_payment_id,
                                 payment_status, pay_address, pay_amount, pay_currency, actually_paid,
                                 price_amount, price_currency, outcome_amount, outcome_currency,
                                 provider_created_at, provider_updated_at, raw)
    values ('nowpayments', v_pid, o.order_id, o.user_id, v_invoice, v_parent,
            v_status, v_pay_address, v_pay_amount, v_pay_cur, coalesce(v_paid, 0),
            v_price, v_price_cur, v_outcome, v_outcome_cur,
            v_created, v_updated, p_payment)
    on conflict (provider, payment_id) do nothing
    returning * into pm;
    v_inserted := found;
    if not v_inserted then
      -- inserted meanwhile by a transaction that matched the event to the order some other way
      select * into pm from public.payments x
       where x.provider = 'nowpayments' and x.payment_id = v_pid
         for update;
    end if;
  end if;

  if not v_inserted then
    if pm.order_id <> o.order_id then
      raise exception 'payment_apply: payment % belongs to order %, not %', v_pid, pm.order_id, o.order_id
        using errcode = 'invalid_parameter_value';
    end if;
    v_old := pm.payment_status;
    v_review_before := pm.needs_review;
    v_applied := case
                   when v_old = v_status then false
                   when v_old = 'refunded' then false
                   when v_old = 'finished' then v_status = 'refunded'
                   when v_old in ('failed', 'expired') then v_status in ('finished', 'refunded')
                   else v_rank > ffx_internal.payment_status_rank(v_old)
                 end;
    -- amounts and raw follow the newest report only: a late 'confirming' must not overwrite the
    -- actually_paid of 'finished'. pay_currency keeps what was first recorded: the asset the
    -- customer was asked for (raw has the newest report's, which the verdict compares with it).
    if v_applied
       or (v_old = v_status
           and (v_updated is null or pm.provider_updated_at is null or v_updated >= pm.provider_updated_at)) then
      update public.payments x
         set payment_status      = case when v_applied then v_status else x.payment_status end,
             invoice_id          = coalesce(v_invoice, x.invoice_id),
             parent_payment_id   = coalesce(v_parent, x.parent_payment_id),
             pay_address         = coalesce(v_pay_address, x.pay_address),
             pay_amount          = coalesce(v_pay_amount, x.pay_amount),
             pay_currency        = coalesce(x.pay_currency, v_pay_cur),
             actually_paid       = coalesce(v_paid, x.actually_paid),
             price_amount        = coalesce(v_price, x.price_amount),
             price_currency      = coalesce(v_price_cur, x.price_currency),
             outcome_amount      = coalesce(v_outcome, x.outcome_amount),
             outcome_currency    = coalesce(v_outcome_cur, x.outcome_currency),
             provider_created_at = coalesce(x.provider_created_at, v_created),
             provider_updated_at = coalesce(v_updated, x.provider_updated_at),
             -- merged: keys only the create response had (expiration_estimate_date) stay
             raw                 = x.raw || p_payment
       where x.id = pm.id
      returning * into pm;
    end if;
  else
    v_applied := true;
  end if;
  -- the event says what the payment now is (new, moved, or the same status again)
  v_current := v_applied or v_old = v_status;

  -- (d) the order -----------------------------------------------------------------------------
  select coalesce(max(ffx_internal.payment_status_rank(x.payment_status))
                    filter (where x.payment_status in ('waiting', 'confirming', 'confirmed', 'sending',
                                                       'partially_paid', 'finished')), 0),
         coalesce(bool_or(x.payment_status in ('waiting', 'confirming', 'confirmed', 'sending',
                                               'partially_paid', 'finished')), false)
    into v_other_max, v_alive_other
    from public.payments x
   where x.order_id = o.order_id and x.id <> pm.id;
  select coalesce(bool_or(x.counted), false) into v_any_counted
    from public.payments x where x.order_id = o.order_id;

  v_settled  := o.delivery_status = 'delivered' or o.paid_at is not null;
  v_closed   := o.order_status in ('refunded', 'cancelled') or o.payment_status = 'refunded';

  if v_current then
    case
      when v_status in ('waiting', 'confirming', 'confirmed', 'sending') then
        -- money may be on its way, but nothing is known to be complete: processing / pending
        if not v_closed and not v_settled and o.order_status = 'pending' and v_rank >= v_other_max then
          update public.orders x set order_status = 'processing', payment_status = 'pending'
           where x.order_id = o.order_id and x.order_status = 'pending';
        end if;

      when v_status in ('finished', 'partially_paid') then
        if v_closed then
          -- money for an order that is refunded or cancelled: never an account
          if v_applied then
            update public.payments x set needs_review = true where x.id = pm.id;
            update public.orders x set needs_attention = 'second_payment_refund_review'
             where x.order_id = o.order_id and not v_review_before;
          end if;
        elsif v_settled then
          if pm.counted then
            -- the money that paid the order, reported again: finish a delivery still pending
            if o.delivery_status <> 'delivered' and o.payment_status = 'paid' then
              v_delivery := ffx_internal.deliver_account_core(o.order_id, o.user_id, p_source || '_finished');
            end if;
          elsif not v_any_counted and v_status = 'finished' then
            -- an operator settled the order without money; this is its money, not a second payment
            update public.payments x set counted = true where x.id = pm.id returning * into pm;
            if o.delivery_status <> 'delivered' and o.payment_status = 'paid' then
              v_delivery := ffx_internal.deliver_account_core(o.order_id, o.user_id, p_source || '_finished');
            end if;
          elsif v_applied then
            -- a second payment, a child after the order was paid: a refund decision, no account
            update public.payments x set needs_review = true where x.id = pm.id;
            update public.orders x set needs_attention = 'second_payment_refund_review'
             where x.order_id = o.order_id and not v_review_before;
          end if;
        else
          v_root := ffx_internal.payment_group_root(pm.id);
          v_detail := ffx_internal.payment_group_verdict(o.order_id, v_root.id);
          v_verdict := v_detail ->> 'verdict';
          if v_verdict in ('paid', 'overpaid') and not ffx_internal.customer_is_active(o.user_id) then
            v_verdict := 'customer_blocked';
            v_detail := v_detail || jsonb_build_object('verdict', v_verdict,
                                                       'payment_verdict', v_detail ->> 'verdict');
          end if;
          if v_verdict in ('paid', 'overpaid') then
            v_delivery := ffx_internal.payment_settle(o.order_id, v_root.id, v_detail, p_source);
          else
            perform ffx_internal.payment_hold(o.order_id, v_verdict, v_detail);
          end if;
        end if;

      when v_status in ('failed', 'expired') then
        if not v_closed and not v_settled and o.order_status in ('pending', 'processing') and not v_alive_other then
          update public.orders x set order_status = 'failed', payment_status = 'failed'
           where x.order_id = o.order_id;
        end if;

      when v_status = 'refunded' then
        if v_applied then
          update public.payments x set needs_review = false where x.id = pm.id;
          if not pm.counted and v_any_counted then
            -- the refund of money that did not pay the order: its review is done
            update public.orders x set needs_attention = null
             where x.order_id = o.order_id and x.needs_attention = 'second_payment_refund_review'
               and not exists (select 1 from public.payments y
                                where y.order_id = o.order_id and y.needs_review);
          elsif not (o.order_status = 'refunded' and o.payment_status = 'refunded') then
            update public.orders x set order_status = 'refunded', payment_status = 'refunded'
             where x.order_id = o.order_id;
            update public.delivered_accounts d set account_status = 'suspended'
             where d.order_id = o.order_id and d.account_status = 'active';
            get diagnostics v_suspended = row_count;
          end if;
        end if;
    end case;
  end if;

  if v_delivery is not null then
    v_delivered := coalesce((v_delivery ->> 'success')::boolean, false)
                   and not coalesce((v_delivery ->> 'already_delivered')::boolean, false);
  end if;

  select * into o from public.orders x where x.order_id = o.order_id;
  select * into pm from public.payments x where x.id = pm.id;
  v_after := jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status,
                                'delivery_status', o.delivery_status, 'needs_attention', o.needs_attention);

  -- (e) records -------------------------------------------------------------------------------
  insert into public.payment_transactions (order_id, user_id, transaction_type, provider,
                                           provider_transaction_id, amount, currency, status,
                                           event_type, provider_response)
  values (o.order_id, o.user_id,
          case when v_status = 'refunded' then 'refund' else 'payment' end,
          'nowpayments', v_pid,
          coalesce(v_price, pm.price_amount, o.final_amount),
          coalesce(v_price_cur, pm.price_currency, 'usd'),
          case v_status
            when 'waiting'  then 'pending'
            when 'finished' then 'completed'
            when 'refunded' then 'completed'
            when 'failed'   then 'failed'
            when 'expired'  then 'failed'
            else 'processing'
          end,
          p_source || '_' || v_status,
          p_payment);

  if v_after is distinct from v_before then
    insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                        description, old_values, new_values)
    values (auth.uid(), auth.jwt() ->> 'email', 'payment_status_changed', 'orders', o.order_id,
            format('NOWPayments payment %s %s (%s)', v_pid, v_status, p_source),
            v_before,
            v_after || jsonb_build_object('payment_id', v_pid, 'provider_status', v_status,
                                          'source', p_source, 'delivered', v_delivered,
                                          'accounts_suspended', v_suspended,
                                          'verdict', v_detail));
  elsif not v_current then
    insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                        description, old_values, new_values)
    values (auth.uid(), auth.jwt() ->> 'email', 'payment_event_ignored', 'payments', v_pid,
            format('NOWPayments payment %s: %s after %s ignored (%s)', v_pid, v_status, v_old, p_source),
            jsonb_build_object('payment_status', v_old),
            jsonb_build_object('provider_status', v_status, 'source', p_source, 'order_id', o.order_id));
  end if;

  return jsonb_build_object(
    'outcome',         'processed',
    'order_id',        o.order_id,
    'order_status',    o.order_status,
    'payment_status',  o.payment_status,
    'delivery_status', o.delivery_status,
    'needs_attention', o.needs_attention,
    'payment_id',      v_pid,
    'delivered',       v_delivered,
    'changed',         v_applied or v_after is distinct from v_before
                       or pm.needs_review is distinct from v_review_before)
    || case when v_verdict is null then '{}'::jsonb else jsonb_build_object('verdict', v_verdict) end;
end
$$;

comment on function ffx_internal.payment_apply(jsonb, text) is
  'The payment state machine: apply one NOWPayments payment report (IPN, status refresh, reconciler) to its order, delivering on finished. service_role only.';
revoke all on function ffx_internal.payment_apply(jsonb, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.payment_apply(jsonb, text) to service_role;

-- =============================================================================================
-- The inbox functions
-- =============================================================================================
-- =============================================================================================
-- The inbox functions
-- =============================================================================================

-- ipn_process_event(id): apply a stored event in a subtransaction and record the result on it.
-- Owner only; ipn_receive and ipn_reprocess call it after their caller checks.
create or replace function ffx_internal.ipn_process_event(p_event_id bigint)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_payload jsonb;
  v_res     jsonb;
  v_error   text;
  v_state   text;
begin
  select e.payload into v_payload from public.ipn_events e where e.id = p_event_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Event not found';
  end if;

  begin
    v_res := ffx_internal.payment_apply(v_payload, 'ipn');
    if v_res ->> 'outcome' = 'unmatched' then
      update public.ipn_events e
         set state = 'unmatched', attempts = e.attempts + 1, matched_order_id = null,
             last_error = null, processed_at = now()
       where e.id = p_event_id;
    else
      update public.ipn_events e
         set state = 'processed', attempts = e.attempts + 1, matched_order_id = v_res ->> 'order_id',
             last_error = null, processed_at = now()
       where e.id = p_event_id;
    end if;
  exception when others then
    -- everything the apply did is rolled back; the event itself stays, marked for a retry
    get stacked diagnostics v_error = message_text, v_state = returned_sqlstate;
    update public.ipn_events e
       set state = 'failed', attempts = e.attempts + 1, last_error = left(v_state || ': ' || v_error, 1000),
           processed_at = null
     where e.id = p_event_id;
    return jsonb_build_object('outcome', 'failed', 'event_id', p_event_id, 'error', v_error);
  end;

  return v_res || jsonb_build_object('event_id', p_event_id);
end
$$;

comment on function ffx_internal.ipn_process_event(bigint) is
  'Apply one stored IPN event in a subtransaction; the event records processed/unmatched/failed (owner only).';
revoke all on function ffx_internal.ipn_process_event(bigint) from public, anon, authenticated, service_role;

-- ipn_receive(payload, signature): the webhook's one call, as service_role. Stores the event
-- (a duplicate dedupe_key: {"outcome":"duplicate"}, nothing else happens), then applies it:
-- {"outcome":"processed",...} | {"outcome":"unmatched",...} | {"outcome":"failed",...}. Every one
-- of these means "durably stored": the webhook answers 200. An error escaping this function
-- means the event was NOT stored (the webhook answers 5xx and NOWPayments retries).
create or replace function ffx_internal.ipn_receive(p_payload jsonb, p_signature text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  perform ffx_internal.require_service_role();
  if jsonb_typeof(p_payload) is distinct from 'object'
     or nullif(btrim(p_payload ->> 'payment_id'), '') is null
     or nullif(btrim(p_payload ->> 'payment_status'), '') is null then
    raise exception using errcode = 'FF400', message = 'Invalid payload';
  end if;

  insert into public.ipn_events (dedupe_key, payment_id, payment_status, order_id, parent_payment_id,
                                 invoice_id, payload, signature)
  values (ffx_internal.ipn_dedupe_key(p_payload), p_payload ->> 'payment_id', p_payload ->> 'payment_status',
          p_payload ->> 'order_id', p_payload ->> 'parent_payment_id', p_payload ->> 'invoice_id',
          p_payload, p_signature)
  on conflict (dedupe_key) do nothing
  returning id into v_id;
  if v_id is null then
    return jsonb_build_object('outcome', 'duplicate');
  end if;

  return ffx_internal.ipn_process_event(v_id);
end
$$;

comment on function ffx_internal.ipn_receive(jsonb, text) is
  'payment-webhook: store a verified IPN in the inbox (deduplicated) and apply it. service_role only.';
revoke all on function ffx_internal.ipn_receive(jsonb, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.ipn_receive(jsonb, text) to service_role;

-- ipn_reprocess(id): run a failed, unmatched (or never processed) event again, the same way.
-- Admins and service_role (the reconciler). A processed event: FF409. Admin runs are audited.
create or replace function ffx_internal.ipn_reprocess(p_event_id bigint)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_admin boolean := ffx_internal.is_admin();
  v_state text;
  v_res   jsonb;
begin
  perform ffx_internal.require_admin_or_service();

  select e.state into v_state from public.ipn_events e where e.id = p_event_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Event not found';
  end if;
  if v_state = 'processed' then
    raise exception using errcode = 'FF409', message = 'Event already processed';
  end if;

  v_res := ffx_internal.ipn_process_event(p_event_id);

  if v_admin then
    insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                        old_values, new_values)
    values (auth.uid(), auth.jwt() ->> 'email', 'ipn_reprocessed', 'ipn_events', p_event_id::text,
            jsonb_build_object('state', v_state),
            jsonb_build_object('outcome', v_res ->> 'outcome', 'order_id', v_res ->> 'order_id'));
  end if;
  return v_res;
end
$$;

comment on function ffx_internal.ipn_reprocess(bigint) is
  'Re-run a failed or unmatched IPN event through payment_apply. Admins and service_role.';
revoke all on function ffx_internal.ipn_reprocess(bigint) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.ipn_reprocess(bigint) to authenticated, service_role;

-- security_invoker: the caller's RLS applies (admins see all, customers nothing of ipn_events)
create or replace view public.ipn_unmatched_events
with (security_invoker = true)
as
select e.id, e.received_at, now() - e.received_at as age, e.payment_id, e.payment_status, e.order_id,
       e.parent_payment_id, e.invoice_id, e.attempts, e.processed_at as last_attempt_at, e.payload
  from public.ipn_events e
 where e.state = 'unmatched';

comment on view public.ipn_unmatched_events is
  'IPN events no order could be matched to (admins; ipn_reprocess() retries one).';

revoke all on table public.ipn_unmatched_events from public, anon, authenticated, service_role;
grant select on table public.ipn_unmatched_events to authenticated, service_role;
