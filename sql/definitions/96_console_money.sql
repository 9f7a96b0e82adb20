-- 96_console_money: the console's money actions (docs/CONSOLE.md, "Orders, payments and IPN
-- events"): dashboard, finance export, orders.*, refunds.*, events.*, settings.*.
--
-- Each console_<resource>_<verb>(args) is reached only through ffx_internal.console() (91_console),
-- which has checked the staff role's capability. The functions read their arguments with the
-- console_* helpers and write exactly ONE admin_audit_log row per change through admin_cli_audit
-- (the rows the payment machinery and the delivery write themselves, as they would for any
-- IPN or delivery, are the machinery's own and carry no "operator" key).
--
-- Money. What a customer paid for an order is its final_amount (USD), once the order is paid
-- (payment_status 'paid'; refunded when it became refunded). Refunds are recorded, never sent:
-- NOWPayments has no refund API, the operator pays back outside the backend and records it here.
--   full refund     the order becomes refunded/refunded, its delivered account suspended, and a
--                   'refund' payment_transactions row (provider manual) for what was not refunded
--                   yet;
--   partial refund  a 'refund' payment_transactions row (provider manual, event_type
--                   'console_partial_refund') only: the order stays as it is. A partial refund
--                   that reaches what was paid is a full refund.
-- Refund totals never exceed what was paid (FF409). A refund above console_settings
-- .refund_approval_threshold waits in refund_requests until a second admin approves it.
--
-- Revenue (dashboard, export): an order counts on the UTC day it was paid (paid_at), gross its
-- final_amount; its refunds are subtracted on that same day, so a
-- day's net never goes below zero: refunded = the whole final_amount for a refunded order, else
-- the sum of its partial refunds.
--
-- Recorded payments (orders.record_payment): a payment received outside NOWPayments is a
-- public.payments row with provider 'manual' (payment_status 'finished', counted), plus a
-- 'payment' payment_transactions row; the order is paid and delivered as payment_settle would.
-- Only USD counts by itself; for another currency the operator states the USD value (amount_usd).

-- =============================================================================================
-- Shared pieces
-- =============================================================================================
-- console_actor_key(): who is acting, to tell two admins apart: the user id, or
-- 'operator:<name>' for the command line's bootstrap mode (service_role). Owner only.
create or replace function ffx_internal.console_actor_key()
returns text
language sql
stable
security invoker
set search_path = ''
as $$
  select coalesce(auth.uid()::text, 'operator:' || coalesce(auth.jwt() ->> 'operator', 'unknown'))
$$;

-- console_actor_name(): the e-mail an audit row names (admin_cli_audit's admin_email).
create or replace function ffx_internal.console_actor_name()
returns text
language sql
stable
security invoker
set search_path = ''
as $$
  select coalesce(auth.jwt() ->> 'email', 'operator:' || coalesce(auth.jwt() ->> 'operator', 'unknown'))
$$;

-- order_refunded_manually(order): the USD refunded so far by operators (manual 'refund'
-- payment_transactions: full and partial). admin_order_refund (90_admin) refunds what is left.
create or replace function ffx_internal.order_refunded_manually(p_order_id text)
returns numeric
language sql
stable
security invoker
set search_path = ''
as $$
  select coalesce(sum(t.amount), 0)::numeric(12,2)
    from public.payment_transactions t
   where t.order_id = p_order_id and t.transaction_type = 'refund' and t.provider = 'manual'
     and t.status = 'completed'
$$;
revoke all on function ffx_internal.order_refunded_manually(text) from public, anon, authenticated, service_role;

-- order_refunded_usd(order): what the revenue figures subtract for an order: the whole price of a
-- refunded order, else its partial refunds (never more than the price).
create or replace function ffx_internal.order_refunded_usd(o public.orders)
returns numeric
language sql
stable
security invoker
set search_path = ''
as $$
  select case
           when o.payment_status = 'refunded' or o.order_status = 'refunded' then o.final_amount
           else least(o.final_amount, ffx_internal.order_refunded_manually(o.order_id))
         end
$$;
revoke all on function ffx_internal.order_refunded_usd(public.orders) from public, anon, authenticated, service_role;

-- console_money_settings(): the one settings row.
create or replace function ffx_internal.console_money_settings()
returns ffx_internal.console_settings
language sql
stable
security invoker
set search_path = ''
as $$
  select s from ffx_internal.console_settings s where s.id
$$;

-- console_order_brief(order): an order as the listings show it (customer and product included).
create or replace function ffx_internal.console_order_brief(p_order_id text)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
           'order_id', o.order_id, 'created_at', o.created_at,
           'customer', pg_catalog.jsonb_build_object(
                         'id', o.user_id, 'email', coalesce(p.email, u.email::text),
                         'name', nullif(pg_catalog.btrim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')), '')),
           'product', pg_catalog.jsonb_build_object('account_type', o.account_type, 'account_size', o.account_size,
                                                    'platform_type', o.platform_type),
           'final_amount', o.final_amount, 'order_status', o.order_status, 'payment_status', o.payment_status,
           'delivery_status', o.delivery_status, 'needs_attention', o.needs_attention, 'paid_at', o.paid_at,
           'refunded_usd', ffx_internal.order_refunded_usd(o))
    from public.orders o
    left join public.user_profiles p on p.id = o.user_id
    left join auth.users u on u.id = o.user_id
   where o.order_id = p_order_id
$$;

-- console_order_locked(args): the order named by order_id, locked FOR UPDATE (FF404 when unknown).
create or replace function ffx_internal.console_order_locked(p_args jsonb)
returns public.orders
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_id text := ffx_internal.console_order_id(p_args);
  o public.orders%rowtype;
begin
  select * into o from public.orders x where x.order_id = v_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('Order %s not found', v_id);
  end if;
  return o;
end
$$;

-- console_event_locked(args): the IPN event named by id, locked FOR UPDATE (FF400/FF404).
create or replace function ffx_internal.console_event_locked(p_args jsonb)
returns public.ipn_events
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_id integer := ffx_internal.console_int(p_args, 'id', null, 1, 2147483647);
  e public.ipn_events%rowtype;
begin
  if v_id is null then
    raise exception using errcode = 'FF400', message = 'id is required';
  end if;
  select * into e from public.ipn_events x where x.id = v_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('IPN event %s not found', v_id);
  end if;
  return e;
end
$$;

-- console_event_brief(event): an IPN event without its payload, with its dismissal.
create or replace function ffx_internal.console_event_brief(e public.ipn_events)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.to_jsonb(e) - 'payload' - 'signature' - 'dedupe_key'
         || pg_catalog.jsonb_build_object(
              'dismissed', (select pg_catalog.jsonb_build_object('reason', d.reason, 'by', d.dismissed_by,
                                                                 'at', d.dismissed_at)
                              from ffx_internal.ipn_event_dismissals d where d.event_id = e.id))
$$;

-- =============================================================================================
-- Revenue, shared by the dashboard and the export
-- =============================================================================================
-- console_revenue(from, to): paid orders, gross, refunded and net of the orders paid in
-- [from, to) (see the header: refunds on the paid day).
create or replace function ffx_internal.console_revenue(p_from timestamptz, p_to timestamptz)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
           'from', p_from, 'to', p_to, 'paid_orders', count(*),
           'gross', coalesce(sum(o.final_amount), 0),
           'refunded', coalesce(sum(ffx_internal.order_refunded_usd(o)), 0),
           'net', coalesce(sum(o.final_amount - ffx_internal.order_refunded_usd(o)), 0))
    from public.orders o
   where o.paid_at >= p_from and o.paid_at < p_to
$$;

-- =============================================================================================
-- dashboard.get {from?, to?}
-- =============================================================================================
create or replace function ffx_internal.console_dashboard_get(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_to timestamptz := coalesce(ffx_internal.console_time(p_args, 'to'), now());
  v_from timestamptz := coalesce(ffx_internal.console_time(p_args, 'from'), v_to - interval '30 days');
  v_today timestamptz := pg_catalog.date_trunc('day', now() at time zone 'UTC') at time zone 'UTC';
  v_month timestamptz := pg_catalog.date_trunc('month', now() at time zone 'UTC') at time zone 'UTC';
  v_tomorrow timestamptz := v_today + interval '1 day';
  v_low integer := (ffx_internal.console_money_settings()).low_stock_threshold;
begin
  if v_from > v_to then
    raise exception using errcode = 'FF400', message = 'from must not be after to';
  end if;
  return pg_catalog.jsonb_build_object(
    'revenue', pg_catalog.jsonb_build_object(
      'today', ffx_internal.console_revenue(v_today, v_tomorrow),
      'last_7_days', ffx_internal.console_revenue(v_today - interval '6 days', v_tomorrow),
      'last_30_days', ffx_internal.console_revenue(v_today - interval '29 days', v_tomorrow),
      'this_month', ffx_internal.console_revenue(v_month, v_tomorrow)),
    'conversion', (select pg_catalog.jsonb_build_object(
                            'from', v_from, 'to', v_to, 'orders', count(*),
                            'paid', count(*) filter (where o.paid_at is not null),
                            'delivered', count(*) filter (where o.delivery_status = 'delivered'),
                            'rate', round(100.0 * count(*) filter (where o.paid_at is not null) / nullif(count(*), 0), 2))
                     from public.orders o where o.created_at >= v_from and o.created_at < v_to),
    'stock', ffx_internal.console_inventory_stock('{}') -> 'products',
    'low_stock_threshold', v_low,
    'attention', ffx_internal.console_attention());
end
$$;

-- console_attention(): what an operator must look at, each item with the action that fixes it.
create or replace function ffx_internal.console_attention()
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  with items as (
    select 'paid_undelivered' as kind, o.paid_at as since, o.order_id, null::bigint as event_id,
           null::bigint as email_id, 'orders.deliver' as action,
           pg_catalog.format('Paid %s, not delivered (%s %s)', o.paid_at, o.account_size, o.platform_type) as detail
      from public.orders o
     where o.paid_at is not null and o.payment_status = 'paid' and o.delivery_status <> 'delivered'
    union all
    select 'needs_attention', o.updated_at, o.order_id, null, null,
           case when o.needs_attention in ('partially_paid', 'underpaid', 'wrong_currency', 'price_mismatch',
                                           'customer_blocked')
                  then 'orders.accept_payment' else 'orders.clear_attention' end,
           o.needs_attention
      from public.orders o
     where o.needs_attention is not null
    union all
    select 'ipn_' || e.state, e.received_at, coalesce(e.matched_order_id, e.order_id), e.id, null,
           case e.state when 'failed' then 'events.reprocess' else 'events.link' end,
           coalesce(e.last_error, pg_catalog.format('payment %s %s matched no order', e.payment_id, e.payment_status))
      from public.ipn_events e
     where e.state in ('failed', 'unmatched')
       and not exists (select 1 from ffx_internal.ipn_event_dismissals d where d.event_id = e.id)
    union all
    select 'email_failed', m.updated_at, m.order_id, null, m.id, 'orders.resend_email',
           pg_catalog.format('%s to %s: %s', m.template_name, m.to_email, coalesce(m.last_error, 'failed'))
      from public.email_outbox m
     where m.status = 'failed'
  )
  select pg_catalog.jsonb_build_object(
           'total', (select count(*) from items),
           'items', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(i) order by i.since nulls last, i.kind)
                                from (select * from items order by since nulls last, kind limit 200) i), '[]'::jsonb))
$$;

-- =============================================================================================
-- orders.list / orders.get
-- =============================================================================================
create or replace function ffx_internal.console_orders_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_q text := pg_catalog.lower(ffx_internal.console_text(p_args, 'q'));
  v_email text := pg_catalog.lower(ffx_internal.console_text(p_args, 'email'));
  v_name text := pg_catalog.lower(ffx_internal.console_text(p_args, 'name'));
  v_status text := ffx_internal.console_enum(p_args, 'status',
                     array['pending', 'processing', 'completed', 'failed', 'cancelled', 'refunded']);
  v_pay text := ffx_internal.console_enum(p_args, 'payment_status', array['pending', 'paid', 'failed', 'refunded']);
  v_from timestamptz := ffx_internal.console_time(p_args, 'from');
  v_to timestamptz := ffx_internal.console_time(p_args, 'to');
  pg record := ffx_internal.console_page(p_args);
  v_result jsonb;
begin
  with found as (
    select o.order_id, o.created_at
      from public.orders o
      left join public.user_profiles p on p.id = o.user_id
      left join auth.users u on u.id = o.user_id
     where (v_status is null or o.order_status = v_status)
       and (v_pay is null or o.payment_status = v_pay)
       and (v_from is null or o.created_at >= v_from)
       and (v_to is null or o.created_at < v_to)
       and (v_email is null or pg_catalog.strpos(pg_catalog.lower(coalesce(p.email, u.email::text, '')), v_email) > 0)
       and (v_name is null or pg_catalog.strpos(pg_catalog.lower(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')), v_name) > 0)
       and (v_q is null
            or pg_catalog.strpos(pg_catalog.lower(o.order_id), v_q) > 0
            or pg_catalog.strpos(pg_catalog.lower(coalesce(p.email, u.email::text, '')), v_q) > 0
            or pg_catalog.strpos(pg_catalog.lower(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')), v_q) > 0)
  )
  select pg_catalog.jsonb_build_object(
           'orders', coalesce((select pg_catalog.jsonb_agg(ffx_internal.console_order_brief(f.order_id)
                                                           order by f.created_at desc, f.order_id)
                                 from (select * from found order by created_at desc, order_id
                                        limit pg.lim offset pg.off) f), '[]'::jsonb),
           'total', (select count(*) from found))
    into v_result;
  return v_result;
end
$$;

create or replace function ffx_internal.console_orders_get(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_id text := ffx_internal.console_order_id(p_args);
  o public.orders%rowtype;
begin
  select * into o from public.orders x where x.order_id = v_id;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('Order %s not found', v_id);
  end if;
  return pg_catalog.jsonb_build_object(
    'order', pg_catalog.to_jsonb(o) || pg_catalog.jsonb_build_object('refunded_usd', ffx_internal.order_refunded_usd(o),
                                                                     'refundable_usd', ffx_internal.console_refundable(o)),
    'customer', (select pg_catalog.jsonb_build_object('id', u.id, 'email', coalesce(p.email, u.email::text),
                                                      'first_name', p.first_name, 'last_name', p.last_name,
                                                      'account_status', coalesce(p.account_status, 'active'))
                   from auth.users u left join public.user_profiles p on p.id = u.id where u.id = o.user_id),
    'payments', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                   'id', m.id, 'provider', m.provider, 'payment_id', m.payment_id,
                                   'parent_payment_id', m.parent_payment_id, 'status', m.payment_status,
                                   'price_amount', m.price_amount, 'price_currency', m.price_currency,
                                   'pay_amount', m.pay_amount, 'pay_currency', m.pay_currency,
                                   'actually_paid', m.actually_paid, 'outcome_amount', m.outcome_amount,
                                   'outcome_currency', m.outcome_currency, 'counted', m.counted,
                                   'needs_review', m.needs_review, 'created_at', m.created_at,
                                   'updated_at', m.updated_at,
                                   'recorded', case when m.provider = 'manual' then m.raw end)
                                 order by m.created_at, m.id)
                            from public.payments m where m.order_id = o.order_id), '[]'::jsonb),
    'transactions', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(t) order by t.created_at, t.id)
                                from public.payment_transactions t where t.order_id = o.order_id), '[]'::jsonb),
    'ipn_events', coalesce((select pg_catalog.jsonb_agg(ffx_internal.console_event_brief(e) order by e.id)
                              from public.ipn_events e
                             where e.matched_order_id = o.order_id or e.order_id = o.order_id), '[]'::jsonb),
    'delivery', (select pg_catalog.to_jsonb(d) - 'password' - 'investor_password'
                   from public.delivered_accounts d where d.order_id = o.order_id),
    'emails', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(m) - 'variables'
                                                    || pg_catalog.jsonb_build_object(
                                                         'variables', m.variables - 'password' - 'investor_password')
                                                    order by m.id)
                          from public.email_outbox m where m.order_id = o.order_id), '[]'::jsonb),
    'audit', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(a) order by a.id)
                         from public.admin_audit_log a
                        where a.record_id = o.order_id or a.new_values ->> 'order_id' = o.order_id), '[]'::jsonb),
    'refunds', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r) order by r.id)
                           from ffx_internal.refund_requests r where r.order_id = o.order_id), '[]'::jsonb));
end
$$;

-- =============================================================================================
-- Refunds
-- =============================================================================================
-- console_refundable(order): what may still be refunded (USD): nothing unless the order is paid.
create or replace function ffx_internal.console_refundable(o public.orders)
returns numeric
language sql
stable
security invoker
set search_path = ''
as $$
  select case when o.payment_status = 'paid'
              then greatest(o.final_amount - ffx_internal.order_refunded_manually(o.order_id), 0)
              else 0 end
$$;

-- console_refund_check(order, amount): the amount to refund (NULL: all that is left), or FF409.
create or replace function ffx_internal.console_refund_check(o public.orders, p_amount numeric)
returns numeric
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_left numeric := ffx_internal.console_refundable(o);
begin
  if o.order_status = 'refunded' or o.payment_status = 'refunded' then
    raise exception using errcode = 'FF409', message = pg_catalog.format('Order %s is already refunded', o.order_id);
  end if;
  if o.payment_status <> 'paid' then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('Order %s is not paid (%s/%s): nothing to refund (cancel it instead)',
                                  o.order_id, o.order_status, o.payment_status);
  end if;
  if p_amount > v_left then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('Refunds cannot exceed what was paid: %s USD paid, %s USD already refunded, at most %s USD left',
                                  o.final_amount, o.final_amount - v_left, v_left);
  end if;
  return coalesce(p_amount, v_left);
end
$$;

-- console_refund_carry_out(order, amount, reason, action, extra): the refund itself (see the
-- header), with its one audit row (action, extra merged into new_values). The caller holds the
-- order's lock. Returns {"order", "refund": {"amount", "full", "refunded_usd"}}.
create or replace function ffx_internal.console_refund_carry_out(o public.orders, p_amount numeric, p_reason text,
                                                                 p_action text, p_extra jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_amount numeric := ffx_internal.console_refund_check(o, p_amount);
  v_full boolean := v_amount >= ffx_internal.console_refundable(o);
  v_suspended integer := 0;
begin
  if v_full then
    update public.orders x set order_status = 'refunded', payment_status = 'refunded' where x.order_id = o.order_id;
    update public.delivered_accounts d set account_status = 'suspended'
     where d.order_id = o.order_id and d.account_status = 'active';
    get diagnostics v_suspended = row_count;
  end if;
  insert into public.payment_transactions (order_id, user_id, transaction_type, provider, amount, currency,
                                           status, event_type, provider_response)
  values (o.order_id, o.user_id, 'refund', 'manual', v_amount, 'usd', 'completed',
          case when v_full then 'console_refund' else 'console_partial_refund' end,
          pg_catalog.jsonb_build_object('reason', p_reason, 'by', ffx_internal.console_actor_name()));
  perform ffx_internal.admin_cli_audit(p_action, 'orders', o.order_id, p_reason,
    pg_catalog.jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status,
                                  'delivery_status', o.delivery_status),
    pg_catalog.jsonb_build_object('amount', v_amount, 'full', v_full, 'accounts_suspended', v_suspended,
                                  'order_status', case when v_full then 'refunded' else o.order_status end,
                                  'payment_status', case when v_full then 'refunded' else o.payment_status end)
      || coalesce(p_extra, '{}'::jsonb));
  return pg_catalog.jsonb_build_object(
    'order', ffx_internal.console_order_brief(o.order_id),
    'refund', pg_catalog.jsonb_build_object('order_id', o.order_id, 'amount', v_amount, 'full', v_full,
                                            'accounts_suspended', v_suspended,
                                            'refunded_usd', ffx_internal.order_refunded_manually(o.order_id)));
end
$$;

-- orders.refund {order_id, amount?, reason}
create or replace function ffx_internal.console_orders_refund(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_amount numeric := ffx_internal.console_amount(p_args, 'amount');
  v_reason text := ffx_internal.console_reason(p_args);
  o public.orders%rowtype := ffx_internal.console_order_locked(p_args);
  v_refund numeric := ffx_internal.console_refund_check(o, v_amount);
  r ffx_internal.refund_requests%rowtype;
begin
  if v_refund <= (ffx_internal.console_money_settings()).refund_approval_threshold then
    return pg_catalog.jsonb_build_object('pending_approval', false)
           || ffx_internal.console_refund_carry_out(o, v_amount, v_reason,
                case when v_amount is null or v_amount >= ffx_internal.console_refundable(o)
                     then 'order_refund' else 'order_partial_refund' end, null);
  end if;
  select * into r from ffx_internal.refund_requests x where x.order_id = o.order_id and x.status = 'pending';
  if found then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('Refund request %s for order %s is already waiting for approval', r.id, o.order_id);
  end if;
  insert into ffx_internal.refund_requests (order_id, amount, full_refund, reason, requested_by_key, requested_by)
  values (o.order_id, v_refund, v_amount is null or v_amount >= ffx_internal.console_refundable(o), v_reason,
          ffx_internal.console_actor_key(), ffx_internal.console_actor_name())
  returning * into r;
  perform ffx_internal.admin_cli_audit('refund_requested', 'refund_requests', r.id::text, v_reason, null,
    pg_catalog.jsonb_build_object('order_id', o.order_id, 'amount', r.amount, 'full', r.full_refund,
                                  'threshold', (ffx_internal.console_money_settings()).refund_approval_threshold));
  return pg_catalog.jsonb_build_object('pending_approval', true, 'refund', pg_catalog.to_jsonb(r),
                                       'order', ffx_internal.console_order_brief(o.order_id));
end
$$;

-- console_refund_request_locked(args): the pending-or-decided request named by id (FF400/FF404).
create or replace function ffx_internal.console_refund_request_locked(p_args jsonb)
returns ffx_internal.refund_requests
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_id integer := ffx_internal.console_int(p_args, 'id', null, 1, 2147483647);
  r ffx_internal.refund_requests%rowtype;
begin
  if v_id is null then
    raise exception using errcode = 'FF400', message = 'id is required';
  end if;
  select * into r from ffx_internal.refund_requests x where x.id = v_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('Refund request %s not found', v_id);
  end if;
  if r.status <> 'pending' then
    raise exception using errcode = 'FF409', message = pg_catalog.format('Refund request %s is already %s', v_id, r.status);
  end if;
  return r;
end
$$;

-- refunds.approve {id, reason}: a second admin carries the refund out (FF403 for the requester).
create or replace function ffx_internal.console_refunds_approve(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reason text := ffx_internal.console_reason(p_args);
  r ffx_internal.refund_requests%rowtype := ffx_internal.console_refund_request_locked(p_args);
  o public.orders%rowtype;
  v_res jsonb;
begin
  if r.requested_by_key = ffx_internal.console_actor_key() then
    raise exception using errcode = 'FF403',
      message = pg_catalog.format('You asked for refund %s: another admin must approve it', r.id);
  end if;
  select * into o from public.orders x where x.order_id = r.order_id for update;
  v_res := ffx_internal.console_refund_carry_out(o, case when r.full_refund then null else r.amount end, v_reason,
    'refund_approved', pg_catalog.jsonb_build_object('request_id', r.id, 'requested_by', r.requested_by,
                                                     'request_reason', r.reason));
  update ffx_internal.refund_requests x
     set status = 'approved', decided_by_key = ffx_internal.console_actor_key(),
         decided_by = ffx_internal.console_actor_name(), decided_at = now(), decision_reason = v_reason,
         amount = (v_res #>> '{refund,amount}')::numeric
   where x.id = r.id
  returning * into r;
  return v_res || pg_catalog.jsonb_build_object('request', pg_catalog.to_jsonb(r));
end
$$;

-- refunds.reject {id, reason}
create or replace function ffx_internal.console_refunds_reject(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reason text := ffx_internal.console_reason(p_args);
  r ffx_internal.refund_requests%rowtype := ffx_internal.console_refund_request_locked(p_args);
begin
  update ffx_internal.refund_requests x
     set status = 'rejected', decided_by_key = ffx_internal.console_actor_key(),
         decided_by = ffx_internal.console_actor_name(), decided_at = now(), decision_reason = v_reason
   where x.id = r.id
  returning * into r;
  perform ffx_internal.admin_cli_audit('refund_rejected', 'refund_requests', r.id::text, v_reason,
    pg_catalog.jsonb_build_object('status', 'pending'),
    pg_catalog.jsonb_build_object('status', 'rejected', 'order_id', r.order_id, 'amount', r.amount));
  return pg_catalog.jsonb_build_object('request', pg_catalog.to_jsonb(r));
end
$$;

-- refunds.list {status?, order_id?, limit?, offset?}
create or replace function ffx_internal.console_refunds_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_status text := ffx_internal.console_enum(p_args, 'status', array['pending', 'approved', 'rejected']);
  v_order text := ffx_internal.console_order_id(p_args, 'order_id', false);
  pg record := ffx_internal.console_page(p_args);
begin
  return (
    with found as (
      select r.* from ffx_internal.refund_requests r
       where (v_status is null or r.status = v_status) and (v_order is null or r.order_id = v_order))
    select pg_catalog.jsonb_build_object(
             'refunds', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(f) order by f.id desc)
                                    from (select * from found order by id desc limit pg.lim offset pg.off) f), '[]'::jsonb),
             'total', (select count(*) from found)));
end
$$;

-- =============================================================================================
-- Payments: accept a held one, record one received outside NOWPayments
-- =============================================================================================
-- orders.accept_payment {order_id, reason}: admin_order_accept_payment's rules (90_admin), one
-- audit row carrying the delivery's result.
create or replace function ffx_internal.console_orders_accept_payment(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reason text := ffx_internal.console_reason(p_args);
  o public.orders%rowtype := ffx_internal.console_order_locked(p_args);
  v_res jsonb;
begin
  if o.paid_at is not null or o.delivery_status = 'delivered' or o.order_status in ('refunded', 'cancelled')
     or o.needs_attention is null
     or o.needs_attention not in ('partially_paid', 'underpaid', 'wrong_currency', 'price_mismatch', 'customer_blocked') then
    raise exception using errcode = 'FF409', message = pg_catalog.format('Order %s has no held payment', o.order_id);
  end if;
  if not ffx_internal.customer_is_active(o.user_id) then
    raise exception using errcode = 'FF409', message = 'Customer account is not active: reinstate them first';
  end if;
  update public.payments m set counted = true
   where m.order_id = o.order_id and m.payment_status in ('finished', 'partially_paid') and coalesce(m.actually_paid, 0) > 0;
  update public.orders x
     set order_status = 'processing', payment_status = 'paid', paid_at = now(), needs_attention = null,
         attention_detail = null
   where x.order_id = o.order_id;
  v_res := ffx_internal.deliver_account_core(o.order_id, o.user_id, 'admin_accept_payment');
  perform ffx_internal.admin_cli_audit('payment_accepted', 'orders', o.order_id, v_reason,
    pg_catalog.jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status,
                                  'needs_attention', o.needs_attention, 'attention_detail', o.attention_detail),
    pg_catalog.jsonb_build_object('order_status', 'processing', 'payment_status', 'paid', 'delivery', v_res));
  return pg_catalog.jsonb_build_object('order', ffx_internal.console_order_brief(o.order_id), 'delivery', v_res);
end
$$;

-- orders.record_payment {order_id, amount, currency, amount_usd?, reference, method, reason}
create or replace function ffx_internal.console_orders_record_payment(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_amount numeric := ffx_internal.console_amount(p_args, 'amount', true);
  v_currency text := pg_catalog.lower(ffx_internal.console_text(p_args, 'currency', true));
  v_usd numeric := ffx_internal.console_amount(p_args, 'amount_usd');
  v_reference text := ffx_internal.console_text(p_args, 'reference', true);
  v_method text := ffx_internal.console_enum(p_args, 'method', array['bank_transfer', 'other_provider', 'cash', 'other']);
  v_reason text := ffx_internal.console_reason(p_args);
  o public.orders%rowtype;
  pm public.payments%rowtype;
  v_res jsonb;
begin
  if v_method is null then
    raise exception using errcode = 'FF400', message = 'method is required';
  end if;
  if v_currency !~ '^[a-z][a-z0-9]{1,9}$' then
    raise exception using errcode = 'FF400', message = 'currency must be a currency code such as usd or eur';
  end if;
  if v_currency = 'usd' then
    v_usd := coalesce(v_usd, v_amount);
    if v_usd <> v_amount then
      raise exception using errcode = 'FF400', message = 'amount_usd must equal amount for a payment in usd';
    end if;
  elsif v_usd is null then
    raise exception using errcode = 'FF400',
      message = pg_catalog.format('amount_usd is required for a payment in %s: state its USD value', v_currency);
  end if;
  o := ffx_internal.console_order_locked(p_args);
  if exists (select 1 from public.payments m where m.order_id = o.order_id and m.provider = 'manual') then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('A payment is already recorded for order %s', o.order_id);
  end if;
  if o.paid_at is not null or o.payment_status in ('paid', 'refunded') or o.delivery_status = 'delivered'
     or o.order_status in ('refunded', 'cancelled', 'completed') then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('Order %s is %s/%s: only an unpaid open order takes a recorded payment',
                                  o.order_id, o.order_status, o.payment_status);
  end if;
  if v_usd < o.final_amount then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('%s USD does not cover the order''s %s USD: nothing recorded', v_usd, o.final_amount);
  end if;
  if not ffx_internal.customer_is_active(o.user_id) then
    raise exception using errcode = 'FF409', message = 'Customer account is not active: reinstate them first';
  end if;

  insert into public.payments (provider, payment_id, order_id, user_id, payment_status, pay_amount, pay_currency,
                               actually_paid, price_amount, price_currency, counted, raw)
  values ('manual', 'manual:' || o.order_id, o.order_id, o.user_id, 'finished', v_amount, v_currency, v_amount,
          o.final_amount, 'usd', true,
          pg_catalog.jsonb_build_object('method', v_method, 'reference', v_reference, 'amount_usd', v_usd,
                                        'recorded_by', ffx_internal.console_actor_name(), 'reason', v_reason))
  returning * into pm;
  insert into public.payment_transactions (order_id, user_id, transaction_type, provider, provider_transaction_id,
                                           amount, currency, status, event_type, provider_response)
  values (o.order_id, o.user_id, 'payment', 'manual', pm.payment_id, v_amount, v_currency, 'completed',
          'console_record_payment', pm.raw);
  update public.orders x
     set order_status = 'processing', payment_status = 'paid', paid_at = now(),
         needs_attention = case when x.needs_attention in ('partially_paid', 'underpaid', 'wrong_currency',
                                                           'price_mismatch', 'customer_blocked')
                                then null else x.needs_attention end,
         attention_detail = case when x.needs_attention in ('partially_paid', 'underpaid', 'wrong_currency',
                                                            'price_mismatch', 'customer_blocked')
                                 then null else x.attention_detail end
   where x.order_id = o.order_id;
  v_res := ffx_internal.deliver_account_core(o.order_id, o.user_id, 'admin_record_payment');
  perform ffx_internal.admin_cli_audit('payment_recorded', 'orders', o.order_id, v_reason,
    pg_catalog.jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status,
                                  'needs_attention', o.needs_attention),
    pg_catalog.jsonb_build_object('method', v_method, 'amount', v_amount, 'currency', v_currency,
                                  'amount_usd', v_usd, 'reference', v_reference, 'payment_id', pm.payment_id,
                                  'delivery', v_res));
  return pg_catalog.jsonb_build_object('order', ffx_internal.console_order_brief(o.order_id),
                                       'payment', pg_catalog.jsonb_build_object('payment_id', pm.payment_id,
                                         'amount', v_amount, 'currency', v_currency, 'amount_usd', v_usd,
                                         'method', v_method, 'reference', v_reference),
                                       'delivery', v_res);
end
$$;

-- =============================================================================================
-- Deliver, resend, clear attention, cancel
-- =============================================================================================
-- orders.deliver {order_id, force?, reason}: admin_order_deliver's rules, one audit row.
create or replace function ffx_internal.console_orders_deliver(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_force boolean := ffx_internal.console_bool(p_args, 'force', false);
  v_reason text := ffx_internal.console_reason(p_args);
  o public.orders%rowtype := ffx_internal.console_order_locked(p_args);
  v_forced boolean := false;
  v_res jsonb;
begin
  if o.delivery_status <> 'delivered' and not ffx_internal.customer_is_active(o.user_id) then
    raise exception using errcode = 'FF409', message = 'Customer account is not active: reinstate them first';
  end if;
  if o.payment_status <> 'paid' and o.delivery_status <> 'delivered' then
    if o.order_status in ('refunded', 'cancelled') or o.payment_status = 'refunded' then
      raise exception using errcode = 'FF409', message = pg_catalog.format('Order %s is refunded or cancelled', o.order_id);
    end if;
    if not v_force then
      raise exception using errcode = 'FF409',
        message = 'Order not paid: accept a held payment (orders.accept_payment), record one (orders.record_payment) or deliver with force';
    end if;
    update public.orders x
       set order_status = 'processing', payment_status = 'paid', paid_at = coalesce(x.paid_at, now())
     where x.order_id = o.order_id;
    v_forced := true;
  end if;
  v_res := ffx_internal.deliver_account_core(o.order_id, o.user_id, 'admin');
  perform ffx_internal.admin_cli_audit(case when v_forced then 'payment_forced' else 'manual_delivery' end,
    'orders', o.order_id, v_reason,
    pg_catalog.jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status,
                                  'delivery_status', o.delivery_status),
    pg_catalog.jsonb_build_object('forced', v_forced, 'result', v_res));
  return pg_catalog.jsonb_build_object('order', ffx_internal.console_order_brief(o.order_id), 'delivery', v_res);
end
$$;

-- orders.resend_email {order_id, reason}: refused for a refunded order, a suspended account or
-- customer (admin_resend_allowed, 90_admin).
create or replace function ffx_internal.console_orders_resend_email(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reason text := ffx_internal.console_reason(p_args);
  o public.orders%rowtype := ffx_internal.console_order_locked(p_args);
  e public.email_outbox%rowtype;
begin
  select * into e from public.email_outbox x
   where x.order_id = o.order_id and x.template_name = 'account_delivery' for update;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('Order %s has no delivery e-mail', o.order_id);
  end if;
  perform ffx_internal.admin_resend_allowed(o.order_id);
  if e.status = 'sending' then
    raise exception using errcode = 'FF409', message = 'The e-mail is being sent right now';
  end if;
  update public.email_outbox x
     set status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = null, last_error = null
   where x.id = e.id;
  perform pg_catalog.pg_notify('ffx_outbox', e.id::text);
  perform ffx_internal.admin_cli_audit('resend_email', 'email_outbox', e.id::text, v_reason,
    pg_catalog.jsonb_build_object('status', e.status, 'sent_at', e.sent_at, 'attempts', e.attempts),
    pg_catalog.jsonb_build_object('status', 'pending', 'order_id', o.order_id));
  return pg_catalog.jsonb_build_object('email', pg_catalog.jsonb_build_object('id', e.id, 'order_id', o.order_id,
                                         'to_email', e.to_email, 'old_status', e.status, 'status', 'pending'));
end
$$;

-- orders.clear_attention {order_id, reason}
create or replace function ffx_internal.console_orders_clear_attention(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reason text := ffx_internal.console_reason(p_args);
  o public.orders%rowtype := ffx_internal.console_order_locked(p_args);
begin
  if o.needs_attention is null then
    raise exception using errcode = 'FF409', message = pg_catalog.format('Order %s needs no attention', o.order_id);
  end if;
  update public.orders x set needs_attention = null, attention_detail = null where x.order_id = o.order_id;
  perform ffx_internal.admin_cli_audit('clear_attention', 'orders', o.order_id, v_reason,
    pg_catalog.jsonb_build_object('needs_attention', o.needs_attention, 'attention_detail', o.attention_detail),
    pg_catalog.jsonb_build_object('needs_attention', null));
  return pg_catalog.jsonb_build_object('order', ffx_internal.console_order_brief(o.order_id));
end
$$;

-- orders.cancel {order_id, reason}: an order nobody paid. Its checkout reservations go, its
-- discount-code hold is released (the trigger of 32_discount_codes), and an inventory row reserved
-- for it returns to stock. A NOWPayments payment that still finishes later is flagged for a refund
-- decision by payment_apply, never delivered.
create or replace function ffx_internal.console_orders_cancel(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reason text := ffx_internal.console_reason(p_args);
  o public.orders%rowtype := ffx_internal.console_order_locked(p_args);
begin
  if o.paid_at is not null or o.payment_status in ('paid', 'refunded') or o.delivery_status = 'delivered'
     or o.order_status in ('completed', 'refunded') then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('Order %s is paid (%s/%s): refund it instead', o.order_id, o.order_status, o.payment_status);
  end if;
  if o.order_status = 'cancelled' then
    raise exception using errcode = 'FF409', message = pg_catalog.format('Order %s is already cancelled', o.order_id);
  end if;
  delete from public.payment_reservations r where r.order_id = o.order_id;
  update public.account_container c set status = 'available', reserved_for_order_id = null, reserved_at = null
   where c.reserved_for_order_id = o.order_id and c.status = 'reserved';
  update public.orders x set order_status = 'cancelled' where x.order_id = o.order_id;
  perform ffx_internal.admin_cli_audit('order_cancel', 'orders', o.order_id, v_reason,
    pg_catalog.jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status),
    pg_catalog.jsonb_build_object('order_status', 'cancelled', 'payment_status', o.payment_status));
  return pg_catalog.jsonb_build_object('order', ffx_internal.console_order_brief(o.order_id));
end
$$;

-- =============================================================================================
-- IPN events
-- =============================================================================================
-- events.list {state?, unmatched?, dismissed?, payment_id?, order_id?, limit?, offset?}: no payloads.
create or replace function ffx_internal.console_events_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_state text := ffx_internal.console_enum(p_args, 'state', array['pending', 'processed', 'unmatched', 'failed']);
  v_unmatched boolean := ffx_internal.console_bool(p_args, 'unmatched');
  v_dismissed boolean := ffx_internal.console_bool(p_args, 'dismissed');
  v_payment text := ffx_internal.console_text(p_args, 'payment_id');
  v_order text := ffx_internal.console_order_id(p_args, 'order_id', false);
  pg record := ffx_internal.console_page(p_args);
begin
  return (
    with found as (
      select e.* from public.ipn_events e
       where (v_state is null or e.state = v_state)
         and (v_unmatched is null or (e.state = 'unmatched') = v_unmatched)
         and (v_dismissed is null
              or exists (select 1 from ffx_internal.ipn_event_dismissals d where d.event_id = e.id) = v_dismissed)
         and (v_payment is null or e.payment_id = v_payment or e.parent_payment_id = v_payment)
         and (v_order is null or e.order_id = v_order or e.matched_order_id = v_order))
    select pg_catalog.jsonb_build_object(
             'events', coalesce((select pg_catalog.jsonb_agg(ffx_internal.console_event_brief(f) order by f.id desc)
                                   from (select * from found order by id desc limit pg.lim offset pg.off) f), '[]'::jsonb),
             'total', (select count(*) from found)));
end
$$;

-- events.get {id}: with its payload.
create or replace function ffx_internal.console_events_get(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_id integer := ffx_internal.console_int(p_args, 'id', null, 1, 2147483647);
  e public.ipn_events%rowtype;
begin
  if v_id is null then
    raise exception using errcode = 'FF400', message = 'id is required';
  end if;
  select * into e from public.ipn_events x where x.id = v_id;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('IPN event %s not found', v_id);
  end if;
  return pg_catalog.jsonb_build_object('event', ffx_internal.console_event_brief(e)
                                                || pg_catalog.jsonb_build_object('payload', e.payload));
end
$$;

-- events.reprocess {id, reason}: ipn_process_event (50_payments) again; a failure is FF409 with
-- the error (and the attempt is undone with it), an unmatched outcome is an answer.
create or replace function ffx_internal.console_events_reprocess(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reason text := ffx_internal.console_reason(p_args);
  e public.ipn_events%rowtype := ffx_internal.console_event_locked(p_args);
  v_res jsonb;
begin
  if e.state = 'processed' then
    raise exception using errcode = 'FF409', message = pg_catalog.format('IPN event %s is already processed', e.id);
  end if;
  v_res := ffx_internal.ipn_process_event(e.id);
  if v_res ->> 'outcome' = 'failed' then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('IPN event %s failed again: %s', e.id, v_res ->> 'error');
  end if;
  delete from ffx_internal.ipn_event_dismissals d where d.event_id = e.id;
  perform ffx_internal.admin_cli_audit('ipn_reprocess', 'ipn_events', e.id::text, v_reason,
    pg_catalog.jsonb_build_object('state', e.state),
    pg_catalog.jsonb_build_object('outcome', v_res ->> 'outcome', 'order_id', v_res ->> 'order_id'));
  select * into e from public.ipn_events x where x.id = e.id;
  return pg_catalog.jsonb_build_object('event', ffx_internal.console_event_brief(e), 'result', v_res);
end
$$;

-- events.dismiss {id, reason}: a failed or unmatched event leaves the attention queue and the alert.
create or replace function ffx_internal.console_events_dismiss(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reason text := ffx_internal.console_reason(p_args);
  e public.ipn_events%rowtype := ffx_internal.console_event_locked(p_args);
begin
  if e.state not in ('failed', 'unmatched') then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('IPN event %s is %s: only failed or unmatched events are dismissed', e.id, e.state);
  end if;
  insert into ffx_internal.ipn_event_dismissals (event_id, reason, dismissed_by)
  values (e.id, v_reason, ffx_internal.console_actor_name())
  on conflict (event_id) do nothing;
  if not found then
    raise exception using errcode = 'FF409', message = pg_catalog.format('IPN event %s is already dismissed', e.id);
  end if;
  perform ffx_internal.admin_cli_audit('ipn_dismiss', 'ipn_events', e.id::text, v_reason,
    pg_catalog.jsonb_build_object('state', e.state), pg_catalog.jsonb_build_object('dismissed', true));
  return pg_catalog.jsonb_build_object('event', ffx_internal.console_event_brief(e));
end
$$;

-- events.link {id, order_id, reason}: an unmatched (or failed) event is applied to the order the
-- operator names, as if its payload had named it; the stored payload stays as it was signed.
create or replace function ffx_internal.console_events_link(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_reason text := ffx_internal.console_reason(p_args);
  e public.ipn_events%rowtype := ffx_internal.console_event_locked(p_args);
  o public.orders%rowtype := ffx_internal.console_order_locked(p_args);
  v_res jsonb;
begin
  if e.state not in ('unmatched', 'failed') then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('IPN event %s is %s: only unmatched or failed events are linked', e.id, e.state);
  end if;
  begin
    v_res := ffx_internal.payment_apply(e.payload || pg_catalog.jsonb_build_object('order_id', o.order_id), 'console_link');
  exception when others then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('IPN event %s cannot be applied to order %s: %s', e.id, o.order_id, sqlerrm);
  end;
  update public.ipn_events x
     set state = 'processed', attempts = x.attempts + 1, matched_order_id = o.order_id, last_error = null,
         processed_at = now()
   where x.id = e.id;
  delete from ffx_internal.ipn_event_dismissals d where d.event_id = e.id;
  perform ffx_internal.admin_cli_audit('ipn_link', 'ipn_events', e.id::text, v_reason,
    pg_catalog.jsonb_build_object('state', e.state, 'order_id', e.order_id),
    pg_catalog.jsonb_build_object('state', 'processed', 'order_id', o.order_id, 'outcome', v_res ->> 'outcome'));
  select * into e from public.ipn_events x where x.id = e.id;
  return pg_catalog.jsonb_build_object('event', ffx_internal.console_event_brief(e), 'result', v_res,
                                       'order', ffx_internal.console_order_brief(o.order_id));
end
$$;

-- =============================================================================================
-- settings.get / settings.set
-- =============================================================================================
create or replace function ffx_internal.console_settings_get(p_args jsonb)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('settings', pg_catalog.to_jsonb(s) - 'id')
    from ffx_internal.console_settings s where s.id
$$;

-- settings.set {refund_approval_threshold?, low_stock_threshold?, reason}
create or replace function ffx_internal.console_settings_set(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_refund numeric := ffx_internal.console_amount(p_args, 'refund_approval_threshold');
  v_low integer := ffx_internal.console_int(p_args, 'low_stock_threshold', null, 0, 100000);
  v_reason text := ffx_internal.console_reason(p_args);
  v_old jsonb := ffx_internal.console_settings_get('{}');
begin
  if v_refund is null and v_low is null then
    raise exception using errcode = 'FF400', message = 'Give refund_approval_threshold or low_stock_threshold';
  end if;
  update ffx_internal.console_settings s
     set refund_approval_threshold = coalesce(v_refund, s.refund_approval_threshold),
         low_stock_threshold = coalesce(v_low, s.low_stock_threshold),
         updated_at = now(), updated_by = ffx_internal.console_actor_name()
   where s.id;
  perform ffx_internal.admin_cli_audit('settings_set', 'console_settings', 'console', v_reason,
    v_old -> 'settings', ffx_internal.console_settings_get('{}') -> 'settings');
  return ffx_internal.console_settings_get('{}');
end
$$;

-- =============================================================================================
-- export.finance {from, to, kind?}
-- =============================================================================================
-- console_csv_field(text): one RFC 4180 field: quoted (quotes doubled) when it holds a comma, a
-- quote or a line break.
create or replace function ffx_internal.console_csv_field(p_value text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case when p_value ~ '[",\r\n]' then '"' || pg_catalog.replace(p_value, '"', '""') || '"'
              else coalesce(p_value, '') end
$$;

-- console_csv_line(fields): the fields joined by commas.
create or replace function ffx_internal.console_csv_line(p_fields text[])
returns text
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.string_agg(ffx_internal.console_csv_field(f), ',' order by n)
    from pg_catalog.unnest(p_fields) with ordinality as u (f, n)
$$;

-- The export's lines: payments received, refunds, and revenue per UTC day of [from, to).
create or replace function ffx_internal.console_finance_lines(p_from timestamptz, p_to timestamptz, p_kind text)
returns table (at timestamptz, line text)
language sql
stable
security invoker
set search_path = ''
as $$
  select coalesce(m.provider_updated_at, m.updated_at),
         ffx_internal.console_csv_line(array[
           'payment', pg_catalog.to_char(coalesce(m.provider_updated_at, m.updated_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           m.order_id, m.payment_id, m.provider, coalesce(m.raw ->> 'method', ''), coalesce(m.raw ->> 'reference', ''),
           m.actually_paid::text, coalesce(m.pay_currency, ''),
           case when m.provider = 'manual' then m.raw ->> 'amount_usd'
                when m.counted and m.parent_payment_id is null and m.price_currency = 'usd' then m.price_amount::text
                else '' end,
           '', '', '', ''])
    from public.payments m
   where p_kind in ('all', 'payments')
     and m.payment_status in ('finished', 'partially_paid') and m.actually_paid > 0
     and coalesce(m.provider_updated_at, m.updated_at) >= p_from and coalesce(m.provider_updated_at, m.updated_at) < p_to
  union all
  select t.created_at,
         ffx_internal.console_csv_line(array[
           'refund', pg_catalog.to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           t.order_id, coalesce(t.provider_transaction_id, t.id::text), t.provider, coalesce(t.event_type, ''),
           coalesce(t.provider_response ->> 'reason', ''),
           case when t.currency = 'usd' then round(t.amount, 2)::text else pg_catalog.trim_scale(t.amount)::text end,
           coalesce(t.currency, ''),
           case when t.currency = 'usd' then round(t.amount, 2)::text else '' end, '', '', '', ''])
    from public.payment_transactions t
   where p_kind in ('all', 'refunds')
     and t.transaction_type = 'refund' and t.status = 'completed'
     and t.created_at >= p_from and t.created_at < p_to
  union all
  select d, ffx_internal.console_csv_line(array[
              'revenue', pg_catalog.to_char(d at time zone 'UTC', 'YYYY-MM-DD'), '', '', '', '', '', '', 'usd', '',
              r ->> 'paid_orders', pg_catalog.to_char((r ->> 'gross')::numeric, 'FM999999999990.00'),
              pg_catalog.to_char((r ->> 'refunded')::numeric, 'FM999999999990.00'),
              pg_catalog.to_char((r ->> 'net')::numeric, 'FM999999999990.00')])
    from pg_catalog.generate_series(p_from, p_to - interval '1 day', interval '1 day') d
    cross join lateral ffx_internal.console_revenue(d, d + interval '1 day') r
   where p_kind in ('all', 'revenue')
$$;

create or replace function ffx_internal.console_export_finance(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_from timestamptz := ffx_internal.console_time(p_args, 'from');
  v_to timestamptz := ffx_internal.console_time(p_args, 'to');
  v_kind text := ffx_internal.console_enum(p_args, 'kind', array['payments', 'refunds', 'revenue', 'all'], 'all');
  v_lines text[];
  v_name text;
begin
  if v_from is null or v_to is null then
    raise exception using errcode = 'FF400', message = 'from and to are required (dates, YYYY-MM-DD)';
  end if;
  if ffx_internal.console_text(p_args, 'from') !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
     or ffx_internal.console_text(p_args, 'to') !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then
    raise exception using errcode = 'FF400', message = 'from and to must be dates (YYYY-MM-DD)';
  end if;
  if v_to < v_from or v_to - v_from > interval '3660 days' then
    raise exception using errcode = 'FF400', message = 'to must be a date from from to 10 years after it';
  end if;
  v_name := pg_catalog.format('ffx-finance-%s-%s.csv', pg_catalog.to_char(v_from at time zone 'UTC', 'YYYY-MM-DD'),
                              pg_catalog.to_char(v_to at time zone 'UTC', 'YYYY-MM-DD'));
  -- to is the last day included
  select coalesce(pg_catalog.array_agg(l.line order by l.at, l.line), '{}')
    into v_lines
    from ffx_internal.console_finance_lines(v_from, v_to + interval '1 day', v_kind) l;
  perform ffx_internal.admin_cli_audit('finance_export', null, v_name,
    coalesce(ffx_internal.console_text(p_args, 'reason'), pg_catalog.format('finance export (%s)', v_kind)), null,
    pg_catalog.jsonb_build_object('from', v_from, 'to', v_to, 'kind', v_kind, 'rows', pg_catalog.cardinality(v_lines)));
  return pg_catalog.jsonb_build_object(
    'filename', v_name, 'rows', pg_catalog.cardinality(v_lines),
    'csv', ffx_internal.console_csv_line(array['type', 'time', 'order_id', 'reference', 'provider', 'method',
                                               'detail', 'amount', 'currency', 'usd', 'paid_orders', 'gross_usd',
                                               'refunded_usd', 'net_usd'])
           || E'\r\n' || coalesce(pg_catalog.array_to_string(v_lines, E'\r\n') || E'\r\n', ''));
end
$$;

-- The owner-only helpers above: nobody else executes them.
do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_catalog.pg_proc p
     where p.pronamespace = 'ffx_internal'::regnamespace
       and p.proname in ('order_refunded_usd', 'console_csv_field', 'console_csv_line')
  loop
    execute pg_catalog.format('revoke all on function %s from public, anon, authenticated, service_role', f);
  end loop;
end
$$;

select ffx_internal.console_lock_down();
