-- 0009_lifecycle: the payment state machine and exactly-once account delivery.
--
-- ARCHITECTURE.md section 5. Every provider event (IPN, the status refresh of
-- check-payment-status, the reconciler's GET /v1/payment) goes through ONE function,
-- payment_apply(), which moves the order forward monotonically and delivers an account on a
-- finished payment, in the same transaction:
--
--   payment-webhook ─ ipn_receive(payload, signature)
--                       │ inbox row in ipn_events (dedupe_key UNIQUE: a re-sent notification
--                       │ is a 'duplicate' and changes nothing else)
--                       └─ subtransaction: payment_apply(payload, 'ipn')
--                            │ match the order, lock it, upsert the payments row,
--                            │ apply the status mapping, payment_transactions + audit rows
--                            └─ finished and the price matches: deliver_account_core()
--                                 lock an inventory row (FOR UPDATE SKIP LOCKED), delivered_accounts,
--                                 order completed/paid/delivered, user totals, audit, e-mail outbox
--
-- An exception inside the subtransaction rolls back only the apply: the event stays stored with
-- state 'failed' and its error, the webhook still answers 200, and ipn_reprocess() runs it again.
--
-- Order state per NOWPayments status (seed mapping plus what the seed left out):
--   waiting, confirming   -> processing / pending
--   confirmed, sending    -> processing / paid      (NOT a delivery: only 'finished' delivers)
--   partially_paid        -> processing / pending, needs_attention 'partially_paid'
--   finished              -> paid, then delivery -> completed / paid / delivered
--                            (no stock, no trading rules: processing / paid / pending, waiting)
--   failed, expired       -> failed / failed
--   refunded              -> refunded / refunded, delivered account suspended
--
-- Monotonic: a payments row's status only moves up the rank of payment_status_rank(), except by
-- the allowed terminal transitions (failed/expired -> finished: a late payment, honoured;
-- finished -> refunded; failed/expired -> refunded); nothing leaves refunded. An event the
-- payments row does not take (a 'confirming' after 'finished') is still recorded in
-- payment_transactions and audited as 'payment_event_ignored', and changes no order state.
-- The order follows its most advanced payment and never leaves a settled state (paid_at set or
-- delivered) except by a refund of the payment that paid it.
--
-- Settled: orders.paid_at is set only when a finished payment of the right price paid the order
-- (or an admin's deliver_account_to_user accepted it); 'confirmed'/'sending' and a price mismatch
-- make payment_status 'paid' without paid_at. "Waiting for stock" is therefore
--   order_status 'processing', payment_status 'paid', delivery_status 'pending', paid_at set.
--
-- payments.needs_review: money arrived on this payment but did not pay the order (a second or
-- child payment after the order was paid, a finished payment of the wrong price, a payment after
-- a refund or cancellation): someone must decide about a refund. orders.needs_attention names the
-- newest such reason; every change of it is in admin_audit_log. Only a refund of the reviewed
-- payment clears it automatically ('second_payment_refund_review'); admins clear the rest.
--
-- Callers: SECURITY DEFINER functions check the caller themselves (service_role, or an admin
-- claim where the admin console needs it). The *_core functions hold the logic, are
-- SECURITY INVOKER and executable by nobody but their owner, so only the checked entry points
-- (and the stock trigger) reach them.
--
-- payment_apply and ipn_receive are service_role only: check-payment-status's refresh must call
-- payment_apply in a service_role step of its request.
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
-- columns on existing tables
-- =============================================================================================
alter table public.orders add column if not exists needs_attention text;
alter table public.orders drop constraint if exists orders_needs_attention_check;
alter table public.orders add constraint orders_needs_attention_check check (needs_attention in (
  'partially_paid', 'price_mismatch', 'second_payment_refund_review'));

comment on column public.orders.needs_attention is
  'Why an admin must look at this order (NULL: nothing): partially_paid, price_mismatch, second_payment_refund_review. Set by payment_apply(); cleared by admins (and by the refund of the reviewed payment).';

-- the admin console's "orders needing attention" list
create index if not exists orders_needs_attention_idx on public.orders (needs_attention) where needs_attention is not null;
-- paid orders waiting for stock, oldest first (deliver_waiting_orders, orders_waiting_for_stock)
create index if not exists orders_waiting_for_stock_idx on public.orders (account_size, platform_type, paid_at, created_at)
  where order_status = 'processing' and payment_status = 'paid' and delivery_status = 'pending';

alter table public.payments add column if not exists needs_review boolean not null default false;

comment on column public.payments.needs_review is
  'Money arrived on this payment but did not pay the order (second/child payment, wrong price, after refund): refund review.';

-- Customers create orders in the initial state only; needs_attention is the backend's (0007's
-- policy plus the new column).
drop policy "Users can create own orders" on public.orders;
create policy "Users can create own orders" on public.orders
  for insert to authenticated
  with check (
        (select auth.uid()) = user_id
    and order_status = 'pending'
    and payment_status = 'pending'
    and delivery_status = 'pending'
    and payment_provider_id is null
    and invoice_id is null
    and invoice_url is null
    and pay_currency is null
    and crypto_amount is null
    and crypto_address is null
    and paid_at is null
    and delivered_at is null
    and needs_attention is null
  );

-- =============================================================================================
-- ipn_events: the inbox. Every signed notification is stored before it is applied.
-- =============================================================================================
create table public.ipn_events (
  id                bigint generated always as identity primary key,
  received_at       timestamptz not null default now(),
  -- ipn_dedupe_key(payload): the same notification re-sent gives the same key
  dedupe_key        text not null,
  payment_id        text not null,
  payment_status    text not null,
  -- as sent (NULL for child payments)
  order_id          text,
  parent_payment_id text,
  invoice_id        text,
  payload           jsonb not null,
  -- which form of the body the signature matched (nowpayments.md section 5.2)
  signature         text,
  state             text not null default 'pending',
  matched_order_id  text,
  attempts          integer not null default 0,
  last_error        text,
  processed_at      timestamptz,

  constraint ipn_events_dedupe_key_key unique (dedupe_key),
  constraint ipn_events_signature_check check (signature in ('raw', 'canonical')),
  constraint ipn_events_state_check check (state in ('pending', 'processed', 'unmatched', 'failed'))
);

comment on table public.ipn_events is
  'Inbox of NOWPayments IPNs: stored by ipn_receive() (unique dedupe_key) before payment_apply(); failed/unmatched ones are re-run by ipn_reprocess().';

create index ipn_events_state_received_at_idx on public.ipn_events (state, received_at);
create index ipn_events_payment_id_idx on public.ipn_events (payment_id);

revoke all on table public.ipn_events from public, anon, authenticated, service_role;
revoke all on sequence public.ipn_events_id_seq from public, anon, authenticated, service_role;
-- admins run as authenticated: SELECT, narrowed to admins by the policy
grant select on table public.ipn_events to authenticated;
grant select, insert, update, delete on table public.ipn_events to service_role;

alter table public.ipn_events enable row level security;

create policy "Admins can view IPN events" on public.ipn_events
  for select to authenticated
  using ((select public.is_admin()));

-- =============================================================================================
-- helpers
-- =============================================================================================

-- Rank of a NOWPayments payment status (nowpayments.md section 4): a payments row only moves to
-- a higher rank (plus the allowed terminal transitions, see payment_apply). Unknown: 0.
create function public.payment_status_rank(p_status text)
returns integer
language sql
immutable
parallel safe
set search_path = ''
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

comment on function public.payment_status_rank(text) is
  'waiting 1, confirming 2, confirmed 3, sending 4, partially_paid 5, finished 6, failed/expired 7 (terminal), refunded 8; unknown 0.';

-- The inbox's dedupe key. Built from the parsed document, so key order and whitespace of the body
-- do not matter, and payment_id 5800567260 and "5800567260" give the same key. A provider retry,
-- a dashboard resend and a simulator duplicate carry the same updated_at and amounts.
create function public.ipn_dedupe_key(p_payload jsonb)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select (p_payload ->> 'payment_id') || ':' || (p_payload ->> 'payment_status')
         || ':' || coalesce(p_payload ->> 'updated_at', '')
         || ':' || coalesce(p_payload ->> 'actually_paid', '')
         || ':' || coalesce(p_payload ->> 'outcome_amount', '')
$$;

comment on function public.ipn_dedupe_key(jsonb) is
  'payment_id:payment_status:updated_at:actually_paid:outcome_amount of an IPN body (ipn_events.dedupe_key).';

-- A provider timestamp: epoch milliseconds (IPNs) or ISO-8601 (GET responses). Anything else is
-- NULL: a bad timestamp must not make an otherwise good event fail.
create function public.provider_timestamp(p_value text)
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

-- =============================================================================================
-- Delivery
-- =============================================================================================

-- deliver_account_core(order, user, reason): the seed's deliver_account_to_user, minus the caller
-- check. Idempotent. Called by deliver_account_to_user (admin console, service_role), by
-- payment_apply on a finished payment and by deliver_waiting_core on stock arrival.
--
--   order (order_id, user_id) missing             {"success":false,"error":"Order not found"}
--   already delivered                             {"success":true,"already_delivered":true,...}
--   payment_status <> 'paid'                      {"success":false,"error":"Order not paid"}
--   no trading_rules for type x size              {"success":false,"error":"No trading rules for this account type and size","waiting":true}
--   no available inventory row of size/platform   {"success":false,"error":"No accounts available","waiting":true}
--   otherwise                                     {"success":true,"order_id","delivered_account_id","login_id","server_name"}
--
-- Both "waiting" answers leave the order processing / paid / pending with paid_at set, i.e.
-- waiting for stock: deliver_waiting_orders (and the stock trigger) picks it up.
--
-- The e-mail goes to the outbox (unique per order and template) in this transaction; without any
-- known address for the user no e-mail row is written (the audit row says so) rather than
-- failing the delivery.
create function public.deliver_account_core(p_order_id text, p_user_id uuid, p_reason text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  o           public.orders%rowtype;
  d           public.delivered_accounts%rowtype;
  c           public.account_container%rowtype;
  v_phase     text;
  v_first     text;
  v_email     text;
  v_waiting   text;
  v_changed   integer;
begin
  select * into o from public.orders x where x.order_id = p_order_id and x.user_id = p_user_id for update;
  if not found then
    return jsonb_build_object('success', false, 'error', 'Order not found');
  end if;

  select * into d from public.delivered_accounts x where x.order_id = o.order_id;
  if found then
    return jsonb_build_object('success', true, 'already_delivered', true, 'order_id', o.order_id,
                              'delivered_account_id', d.id, 'login_id', d.login_id,
                              'server_name', d.server_name);
  end if;

  if o.payment_status is distinct from 'paid' then
    return jsonb_build_object('success', false, 'error', 'Order not paid');
  end if;

  if not exists (select 1 from public.trading_rules r
                  where r.account_type = o.account_type and r.account_size = o.account_size) then
    v_waiting := 'No trading rules for this account type and size';
  else
    -- the oldest available account of the size and platform; one another transaction is
    -- delivering is skipped, never waited for, never taken twice
    select * into c
      from public.account_container x
     where x.status = 'available' and x.account_size = o.account_size and x.platform_type = o.platform_type
     order by x.created_at, x.id
       for update skip locked
     limit 1;
    if not found then
      v_waiting := 'No accounts available';
    end if;
  end if;

  if v_waiting is not null then
    -- paid and waiting: processing / paid / pending with paid_at, which deliver_waiting_orders takes
    update public.orders x
       set order_status = 'processing', paid_at = coalesce(x.paid_at, now())
     where x.order_id = o.order_id and (x.order_status <> 'processing' or x.paid_at is null);
    get diagnostics v_changed = row_count;
    if v_changed > 0 then
      insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                          description, old_values, new_values)
      values (auth.uid(), auth.jwt() ->> 'email', 'delivery_waiting', 'orders', o.order_id,
              v_waiting,
              jsonb_build_object('order_status', o.order_status, 'paid_at', o.paid_at),
              jsonb_build_object('order_status', 'processing', 'reason', p_reason));
    end if;
    return jsonb_build_object('success', false, 'error', v_waiting, 'waiting', true, 'order_id', o.order_id);
  end if;

  update public.account_container x
     set status = 'delivered',
         reserved_for_order_id = o.order_id,
         reserved_at = coalesce(x.reserved_at, now()),
         delivered_at = now()
   where x.id = c.id;

  -- phases (seed, "Phase Initialization by Account Type")
  v_phase := case o.account_type when 'instant' then 'live' when 'two_step' then 'phase_1' else 'challenge' end;

  insert into public.delivered_accounts (order_id, user_id, container_account_id, account_type, account_size,
                                         platform_type, server_name, login_id, password, investor_password,
                                         current_phase, challenge_status, phase_1_status, phase_2_status,
                                         live_status, account_status)
  values (o.order_id, o.user_id, c.id, o.account_type, o.account_size,
          o.platform_type, c.server_name, c.login_id, c.password, c.investor_password,
          v_phase,
          case when v_phase = 'challenge' then 'active' else 'not_started' end,
          case when v_phase = 'phase_1' then 'active' else 'not_started' end,
          'not_started',
          case when v_phase = 'live' then 'active' else 'not_started' end,
          'active')
  returning * into d;

  update public.orders x
     set order_status = 'completed',
         payment_status = 'paid',
         delivery_status = 'delivered',
         paid_at = coalesce(x.paid_at, now()),
         delivered_at = now()
   where x.order_id = o.order_id;

  update public.user_profiles p
     set total_orders = p.total_orders + 1,
         total_spent = p.total_spent + o.final_amount
   where p.id = o.user_id
  returning p.first_name, nullif(btrim(p.email), '') into v_first, v_email;
  if v_email is null then
    select nullif(btrim(u.email), '') into v_email from auth.users u where u.id = o.user_id;
  end if;

  -- no credentials in the audit log
  insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                      description, old_values, new_values)
  values (auth.uid(), auth.jwt() ->> 'email', 'account_delivered', 'orders', o.order_id,
          format('Account %s on %s delivered (%s)', c.login_id, c.server_name, p_reason),
          jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status,
                             'delivery_status', o.delivery_status),
          jsonb_build_object('order_status', 'completed', 'payment_status', 'paid',
                             'delivery_status', 'delivered', 'delivered_account_id', d.id,
                             'container_account_id', c.id, 'server_name', c.server_name,
                             'login_id', c.login_id, 'current_phase', v_phase,
                             'email_queued', v_email is not null, 'reason', p_reason));

  if v_email is not null then
    insert into public.email_outbox (order_id, template_name, to_email, variables)
    values (o.order_id, 'account_delivery', v_email,
            jsonb_build_object('first_name', coalesce(v_first, ''),
                               'order_id', o.order_id,
                               'account_type', o.account_type,
                               'account_size', o.account_size::text,
                               'platform_type', o.platform_type,
                               'server_name', c.server_name,
                               'login_id', c.login_id,
                               'password', c.password,
                               'investor_password', coalesce(c.investor_password, '')))
    on conflict (order_id, template_name) do nothing;
  end if;

  return jsonb_build_object('success', true, 'already_delivered', false, 'order_id', o.order_id,
                            'delivered_account_id', d.id, 'login_id', d.login_id,
                            'server_name', d.server_name);
end
$$;

comment on function public.deliver_account_core(text, uuid, text) is
  'Delivery logic without a caller check (owner only): deliver_account_to_user, payment_apply and deliver_waiting_core call it.';

-- deliver_account_to_user(order, user): the seed's function, for the admin console and the
-- backend. Admins (app_metadata.role claim) and service_role; anyone else: FF403 Unauthorized.
create function public.deliver_account_to_user(p_order_id text, p_user_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_admin boolean := public.is_admin();
begin
  if not (v_admin or coalesce(auth.role() = 'service_role', false)) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
  return public.deliver_account_core(p_order_id, p_user_id, case when v_admin then 'admin' else 'service' end);
end
$$;

comment on function public.deliver_account_to_user(text, uuid) is
  'Deliver one inventory account to a paid order (idempotent). Admins and service_role only.';

-- deliver_waiting_core(size, platform, reason): deliver paid orders waiting for stock, oldest
-- first (paid_at, then created_at), while stock of their size and platform lasts. NULL = any.
-- Orders another transaction holds are skipped (FOR UPDATE SKIP LOCKED), never waited for. Each
-- delivery runs in its own subtransaction: one that fails (logged as a WARNING) leaves its order
-- waiting and does not stop the others or the statement that added the stock. Returns how many
-- orders it delivered.
create function public.deliver_waiting_core(p_account_size integer, p_platform_type text, p_reason text)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  pair       record;
  v_order    record;
  v_res      jsonb;
  v_tried    text[] := '{}';
  v_count    integer := 0;
  v_no_stock boolean;
begin
  for pair in
    select distinct x.account_size, x.platform_type
      from public.orders x
     where x.order_status = 'processing' and x.payment_status = 'paid' and x.delivery_status = 'pending'
       and x.paid_at is not null
       and (p_account_size is null or x.account_size = p_account_size)
       and (p_platform_type is null or x.platform_type = p_platform_type)
     order by 1, 2
  loop
    loop
      exit when not exists (select 1 from public.account_container c
                             where c.status = 'available' and c.account_size = pair.account_size
                               and c.platform_type = pair.platform_type);
      select x.order_id, x.user_id into v_order
        from public.orders x
       where x.order_status = 'processing' and x.payment_status = 'paid' and x.delivery_status = 'pending'
         and x.paid_at is not null
         and x.account_size = pair.account_size and x.platform_type = pair.platform_type
         and not (x.order_id = any (v_tried))
       order by x.paid_at, x.created_at, x.order_id
       limit 1
         for update skip locked;
      exit when not found;
      v_tried := v_tried || v_order.order_id;
      v_no_stock := false;
      begin
        v_res := public.deliver_account_core(v_order.order_id, v_order.user_id, p_reason);
        if coalesce((v_res ->> 'success')::boolean, false)
           and not coalesce((v_res ->> 'already_delivered')::boolean, false) then
          v_count := v_count + 1;
        elsif v_res ->> 'error' = 'No accounts available' then
          v_no_stock := true;
        end if;
      exception when others then
        raise warning 'deliver_waiting_orders: delivering order % failed: % (%)', v_order.order_id, sqlerrm, sqlstate;
      end;
      exit when v_no_stock;
    end loop;
  end loop;
  return v_count;
end
$$;

comment on function public.deliver_waiting_core(integer, text, text) is
  'Deliver paid orders waiting for stock, oldest first, while stock lasts (owner only; see deliver_waiting_orders).';

create function public.deliver_waiting_orders(p_account_size integer default null, p_platform_type text default null)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_admin boolean := public.is_admin();
begin
  if not (v_admin or coalesce(auth.role() = 'service_role', false)) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
  return public.deliver_waiting_core(p_account_size, p_platform_type,
                                     case when v_admin then 'admin_deliver_waiting' else 'deliver_waiting' end);
end
$$;

comment on function public.deliver_waiting_orders(integer, text) is
  'Deliver paid orders waiting for stock (optionally of one size/platform), oldest paid first; returns how many. Admins and service_role.';

-- Stock arrival. Statement-level AFTER triggers with transition tables: one pass per distinct
-- (size, platform) that gained available rows, however many rows the statement added (a CSV
-- import of 500 accounts is one pass, not 500), and nothing at all for statements that make no
-- row available - including delivery's own update to 'delivered', so there is no recursion.
-- PostgreSQL allows transition tables only on single-event triggers without a column list, hence
-- two triggers (INSERT; UPDATE of any column, filtered here on rows whose status, size or platform
-- changed into an available one). The deliveries run in the transaction that added the stock and
-- as that statement's part, audited with its caller; a delivery that fails is skipped (its order
-- keeps waiting) and never makes the stock insert fail. An order locked by another transaction at
-- that moment is skipped too: the reconciler's periodic deliver_waiting_orders() call catches it.
create function public.account_container_stock_arrived()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  pair record;
begin
  if tg_op = 'INSERT' then
    for pair in
      select distinct n.account_size, n.platform_type from new_rows n where n.status = 'available'
    loop
      perform public.deliver_waiting_core(pair.account_size, pair.platform_type, 'stock_arrival');
    end loop;
  else
    for pair in
      select distinct n.account_size, n.platform_type
        from new_rows n
        left join old_rows o on o.id = n.id
       where n.status = 'available'
         and (o.id is null or o.status <> 'available' or o.account_size <> n.account_size
              or o.platform_type <> n.platform_type)
    loop
      perform public.deliver_waiting_core(pair.account_size, pair.platform_type, 'stock_arrival');
    end loop;
  end if;
  return null;
end
$$;

create trigger account_container_stock_arrived_insert
  after insert on public.account_container
  referencing new table as new_rows
  for each statement execute function public.account_container_stock_arrived();

create trigger account_container_stock_arrived_update
  after update on public.account_container
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.account_container_stock_arrived();

-- =============================================================================================
-- payment_apply: THE transition
-- =============================================================================================
--
-- p_payment: a NOWPayments payment object, IPN or GET shape (payment_id number or string,
-- payment_status, order_id or null, parent_payment_id, invoice_id, pay_address, pay_amount,
-- pay_currency, price_amount, price_currency, actually_paid, outcome_amount, outcome_currency,
-- created_at, updated_at as ISO-8601 or epoch ms). p_source names the path ('ipn',
-- 'status_check', 'reconcile', ...): payment_transactions.event_type = <source>_<status>.
--
-- (a) The order: by order_id; else the order of the parent payment (child payments carry
--     order_id null); else by orders.invoice_id; else the order of an existing payments row with
--     this payment_id. None: {"outcome":"unmatched"} and nothing is written.
-- (b) The order row is locked: every event of one order is serialised.
-- (c) The payments row is inserted or updated (see the rank rules in the header). A payment that
--     is already recorded for another order is refused (22023): the event fails for review.
-- (d) The order moves (only on an event that is the payment's current status):
--     waiting/confirming/confirmed/sending/partially_paid: only an unsettled pending/processing
--       order, only by its most advanced payment, and waiting/confirming only out of 'pending';
--       partially_paid on a failed order only flags it; on a settled/refunded/cancelled order
--       it is a second payment (needs_review).
--     finished: on a refunded/cancelled order, or a settled one when the payment is a child or
--       not the order's first finished payment: needs_review + second_payment_refund_review, no
--       delivery. On an unsettled order (pending, processing or failed: a late payment) a payment
--       whose price_amount = final_amount in usd pays the order (paid_at) and delivers; another
--       price: the first non-child payment makes the order processing/paid with price_mismatch,
--       a child or later payment only flags; either way needs_review and no delivery. On a
--       settled order its first non-child finished payment retries a pending delivery.
--     failed/expired: fail an unsettled pending/processing order unless another of its payments
--       is still alive (waiting..partially_paid) or finished.
--     refunded (when newly applied): a refund of a payment that did not pay the order (another
--       finished payment without needs_review exists) clears its review only; otherwise the
--       order becomes refunded/refunded and its delivered account is suspended.
-- (e) payment_transactions row for every matched event; admin_audit_log 'payment_status_changed'
--     for every change of the order's statuses or needs_attention (old/new values), and
--     'payment_event_ignored' for an event the payments row did not take.
--
-- Returns {"outcome":"processed","order_id","order_status","payment_status","delivery_status",
-- "needs_attention","payment_id","delivered": this call delivered an account,
-- "changed": the payment's status or flags or the order changed}.
create function public.payment_apply(p_payment jsonb, p_source text)
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
  v_old           text;
  v_inserted      boolean := false;
  v_applied       boolean;
  v_current       boolean;
  v_review_before boolean := false;
  v_rank          integer;
  v_other_max     integer;
  v_other_final   boolean;
  v_alive_other   boolean;
  v_paying_other  boolean;
  v_is_child      boolean;
  v_settled       boolean;
  v_closed        boolean;
  v_before        jsonb;
  v_after         jsonb;
  v_delivery      jsonb;
  v_delivered     boolean := false;
  v_suspended     integer := 0;
begin
  if not (coalesce(auth.role() = 'service_role', false) or public.is_admin()) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
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
  v_rank := public.payment_status_rank(v_status);
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
  v_created     := public.provider_timestamp(p_payment ->> 'created_at');
  v_updated     := public.provider_timestamp(p_payment ->> 'updated_at');

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
                   else v_rank > public.payment_status_rank(v_old)
                 end;
    -- amounts and raw follow the newest report only: a late 'confirming' must not overwrite the
    -- actually_paid of 'finished'
    if v_applied
       or (v_old = v_status
           and (v_updated is null or pm.provider_updated_at is null or v_updated >= pm.provider_updated_at)) then
      update public.payments x
         set payment_status      = case when v_applied then v_status else x.payment_status end,
             invoice_id          = coalesce(v_invoice, x.invoice_id),
             parent_payment_id   = coalesce(v_parent, x.parent_payment_id),
             pay_address         = coalesce(v_pay_address, x.pay_address),
             pay_amount          = coalesce(v_pay_amount, x.pay_amount),
             pay_currency        = coalesce(v_pay_cur, x.pay_currency),
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
  select coalesce(max(public.payment_status_rank(x.payment_status))
                    filter (where x.payment_status in ('waiting', 'confirming', 'confirmed', 'sending',
                                                       'partially_paid', 'finished')), 0),
         coalesce(bool_or(x.payment_status = 'finished'), false),
         coalesce(bool_or(x.payment_status in ('waiting', 'confirming', 'confirmed', 'sending',
                                               'partially_paid', 'finished')), false),
         coalesce(bool_or(x.payment_status = 'finished' and not x.needs_review), false)
    into v_other_max, v_other_final, v_alive_other, v_paying_other
    from public.payments x
   where x.order_id = o.order_id and x.id <> pm.id;

  v_is_child := pm.parent_payment_id is not null;
  v_settled  := o.delivery_status = 'delivered' or o.paid_at is not null;
  v_closed   := o.order_status in ('refunded', 'cancelled') or o.payment_status = 'refunded';

  if v_current then
    case
      when v_status in ('waiting', 'confirming', 'confirmed', 'sending') then
        if not v_closed and not v_settled and o.order_status in ('pending', 'processing')
           and v_rank >= v_other_max then
          if v_status in ('waiting', 'confirming') then
            update public.orders x set order_status = 'processing', payment_status = 'pending'
             where x.order_id = o.order_id and x.order_status = 'pending';
          else
            update public.orders x set order_status = 'processing', payment_status = 'paid'
             where x.order_id = o.order_id
               and (x.order_status, x.payment_status) is distinct from ('processing', 'paid');
          end if;
        end if;

      when v_status = 'partially_paid' then
        if v_closed or v_settled then
          if v_applied then
            update public.payments x set needs_review = true where x.id = pm.id;
            update public.orders x set needs_attention = 'second_payment_refund_review'
             where x.order_id = o.order_id;
          end if;
        elsif o.order_status in ('pending', 'processing') and v_rank >= v_other_max then
          update public.orders x
             set order_status = 'processing', payment_status = 'pending', needs_attention = 'partially_paid'
           where x.order_id = o.order_id;
        else
          -- a failed order, or another payment is further along: flag only
          update public.orders x set needs_attention = 'partially_paid' where x.order_id = o.order_id;
        end if;

      when v_status = 'finished' then
        if v_closed or (v_settled and (v_is_child or v_other_final)) then
          -- money for an order that is already paid, refunded or cancelled: never a second account
          update public.payments x set needs_review = true where x.id = pm.id;
          update public.orders x set needs_attention = 'second_payment_refund_review'
           where x.order_id = o.order_id and not v_review_before;
        elsif v_settled then
          -- the order's own first finished payment (again, or after an admin accepted the order):
          -- finish a delivery that is still pending
          if o.delivery_status <> 'delivered' and o.payment_status = 'paid' then
            v_delivery := public.deliver_account_core(o.order_id, o.user_id, p_source || '_finished');
          end if;
        elsif coalesce(v_price, pm.price_amount) = o.final_amount
              and coalesce(v_price_cur, pm.price_currency) = 'usd' then
          -- paid: pending, processing, or failed (a late payment after expiry is honoured)
          update public.orders x
             set order_status = 'processing', payment_status = 'paid', paid_at = coalesce(x.paid_at, now())
           where x.order_id = o.order_id;
          v_delivery := public.deliver_account_core(o.order_id, o.user_id, p_source || '_finished');
        elsif not (v_is_child or v_other_final) then
          update public.orders x
             set order_status = 'processing', payment_status = 'paid', needs_attention = 'price_mismatch'
           where x.order_id = o.order_id;
          update public.payments x set needs_review = true where x.id = pm.id;
        else
          update public.orders x set needs_attention = 'price_mismatch' where x.order_id = o.order_id;
          update public.payments x set needs_review = true where x.id = pm.id;
        end if;

      when v_status in ('failed', 'expired') then
        if not v_closed and not v_settled and o.order_status in ('pending', 'processing') and not v_alive_other then
          update public.orders x set order_status = 'failed', payment_status = 'failed'
           where x.order_id = o.order_id;
        end if;

      when v_status = 'refunded' then
        if v_applied then
          update public.payments x set needs_review = false where x.id = pm.id;
          if v_paying_other then
            -- the refund of a payment that did not pay the order: its review is done
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
                                          'accounts_suspended', v_suspended));
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
                       or pm.needs_review is distinct from v_review_before);
end
$$;

comment on function public.payment_apply(jsonb, text) is
  'The payment state machine: apply one NOWPayments payment report (IPN, status refresh, reconciler) to its order, delivering on finished. service_role only.';

-- =============================================================================================
-- The inbox functions
-- =============================================================================================

-- ipn_process_event(id): apply a stored event in a subtransaction and record the result on it.
-- Owner only; ipn_receive and ipn_reprocess call it after their caller checks.
create function public.ipn_process_event(p_event_id bigint)
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
    v_res := public.payment_apply(v_payload, 'ipn');
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

comment on function public.ipn_process_event(bigint) is
  'Apply one stored IPN event in a subtransaction; the event records processed/unmatched/failed (owner only).';

-- ipn_receive(payload, signature): the webhook's one call, as service_role. Stores the event
-- (a duplicate dedupe_key: {"outcome":"duplicate"}, nothing else happens), then applies it:
-- {"outcome":"processed",...} | {"outcome":"unmatched",...} | {"outcome":"failed",...}. Every one
-- of these means "durably stored": the webhook answers 200. An error escaping this function
-- means the event was NOT stored (the webhook answers 5xx and NOWPayments retries).
create function public.ipn_receive(p_payload jsonb, p_signature text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  if not coalesce(auth.role() = 'service_role', false) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
  if jsonb_typeof(p_payload) is distinct from 'object'
     or nullif(btrim(p_payload ->> 'payment_id'), '') is null
     or nullif(btrim(p_payload ->> 'payment_status'), '') is null then
    raise exception using errcode = 'FF400', message = 'Invalid payload';
  end if;

  insert into public.ipn_events (dedupe_key, payment_id, payment_status, order_id, parent_payment_id,
                                 invoice_id, payload, signature)
  values (public.ipn_dedupe_key(p_payload), p_payload ->> 'payment_id', p_payload ->> 'payment_status',
          p_payload ->> 'order_id', p_payload ->> 'parent_payment_id', p_payload ->> 'invoice_id',
          p_payload, p_signature)
  on conflict (dedupe_key) do nothing
  returning id into v_id;
  if v_id is null then
    return jsonb_build_object('outcome', 'duplicate');
  end if;

  return public.ipn_process_event(v_id);
end
$$;

comment on function public.ipn_receive(jsonb, text) is
  'payment-webhook: store a verified IPN in the inbox (deduplicated) and apply it. service_role only.';

-- ipn_reprocess(id): run a failed, unmatched (or never processed) event again, the same way.
-- Admins and service_role (the reconciler). A processed event: FF409. Admin runs are audited.
create function public.ipn_reprocess(p_event_id bigint)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_admin boolean := public.is_admin();
  v_state text;
  v_res   jsonb;
begin
  if not (v_admin or coalesce(auth.role() = 'service_role', false)) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;

  select e.state into v_state from public.ipn_events e where e.id = p_event_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Event not found';
  end if;
  if v_state = 'processed' then
    raise exception using errcode = 'FF409', message = 'Event already processed';
  end if;

  v_res := public.ipn_process_event(p_event_id);

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

comment on function public.ipn_reprocess(bigint) is
  'Re-run a failed or unmatched IPN event through payment_apply. Admins and service_role.';

-- =============================================================================================
-- Admin views. security_invoker: the caller's RLS applies (admins see all, customers nothing of
-- ipn_events; the stock view is filtered to admins and the backend on top of RLS).
-- =============================================================================================
create view public.ipn_unmatched_events
with (security_invoker = true)
as
select e.id, e.received_at, now() - e.received_at as age, e.payment_id, e.payment_status, e.order_id,
       e.parent_payment_id, e.invoice_id, e.attempts, e.processed_at as last_attempt_at, e.payload
  from public.ipn_events e
 where e.state = 'unmatched';

comment on view public.ipn_unmatched_events is
  'IPN events no order could be matched to (admins; ipn_reprocess() retries one).';

create view public.orders_waiting_for_stock
with (security_invoker = true)
as
select o.order_id, o.user_id, p.email, o.account_type, o.account_size, o.platform_type, o.final_amount,
       o.paid_at, o.created_at,
       now() - o.paid_at as age,
       row_number() over (partition by o.account_size, o.platform_type
                          order by o.paid_at, o.created_at, o.order_id) as queue_position,
       case when not exists (select 1 from public.trading_rules r
                              where r.account_type = o.account_type and r.account_size = o.account_size)
            then 'no_trading_rules' else 'no_stock' end as waiting_reason,
       (select count(*) from public.account_container c
         where c.status = 'available' and c.account_size = o.account_size
           and c.platform_type = o.platform_type) as available_accounts,
       o.needs_attention
  from public.orders o
  left join public.user_profiles p on p.id = o.user_id
 where o.order_status = 'processing' and o.payment_status = 'paid' and o.delivery_status = 'pending'
   and o.paid_at is not null
   -- admins and the backend (no claims: a superuser session); a customer's RLS would show own rows
   and ((select public.is_admin()) or coalesce((select auth.role()), 'service_role') = 'service_role');

comment on view public.orders_waiting_for_stock is
  'Paid orders waiting for an account, with their age and place in the queue of their size/platform (admins).';

-- =============================================================================================
-- Privileges (PUBLIC gets EXECUTE on new functions by default): revoke, then grant back.
-- =============================================================================================
revoke all on function
  public.payment_status_rank(text),
  public.ipn_dedupe_key(jsonb),
  public.provider_timestamp(text),
  public.deliver_account_core(text, uuid, text),
  public.deliver_account_to_user(text, uuid),
  public.deliver_waiting_core(integer, text, text),
  public.deliver_waiting_orders(integer, text),
  public.account_container_stock_arrived(),
  public.payment_apply(jsonb, text),
  public.ipn_process_event(bigint),
  public.ipn_receive(jsonb, text),
  public.ipn_reprocess(bigint)
from public, anon, authenticated, service_role;

-- pure helpers
grant execute on function public.payment_status_rank(text), public.ipn_dedupe_key(jsonb)
to authenticated, service_role;
-- the backend only
grant execute on function public.payment_apply(jsonb, text), public.ipn_receive(jsonb, text) to service_role;
-- the admin console and the backend; these check is_admin() themselves
grant execute on function
  public.deliver_account_to_user(text, uuid),
  public.deliver_waiting_orders(integer, text),
  public.ipn_reprocess(bigint)
to authenticated, service_role;
-- *_core, ipn_process_event, provider_timestamp and the trigger function: owner only

revoke all on table public.ipn_unmatched_events, public.orders_waiting_for_stock
from public, anon, authenticated, service_role;
grant select on table public.ipn_unmatched_events, public.orders_waiting_for_stock to authenticated, service_role;
