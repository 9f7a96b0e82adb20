-- 0013_admin_refund_reports: `ffx-admin orders refund` and the operator's reports as SQL.
--
-- admin_order_refund records a refund the operator made outside the backend (NOWPayments has no
-- refund API: refunds go through its dashboard or support). It has the effect of a NOWPayments
-- 'refunded' on the paying payment (0009, payment_apply step d): the order becomes
-- refunded/refunded and its delivered account is suspended, plus a 'refund' row in
-- payment_transactions (provider 'manual') and an audit row naming the operator and the reason
-- (admin_cli_audit, 0011). A 'refunded' IPN arriving later for the same payment changes no order
-- state (the order is already refunded); a 'finished' one is flagged for review, never delivered.
--
-- The reports are SECURITY INVOKER: they read with the caller's rights, so RLS applies to them
-- as to any query of the caller (admins see every order, service_role bypasses RLS), and they
-- refuse anyone else with FF403 (admin_cli_check). Money is orders.final_amount (USD, the price the order was
-- paid at). Revenue is counted on the UTC day the order was paid (paid_at); a refunded order
-- stays on its paid day and is subtracted there (net = gross - refunded).
--
-- Also: admin_cli_check refuses a reason of tabs or line breaks, not only of spaces.
--
-- Business errors: SQLSTATE FF400/FF403/FF404/FF409 with the message, as in 0009 and 0011.

-- admin_cli_check(reason), as in 0011, but a reason made only of white space (tabs and line
-- breaks included, which btrim's default of spaces let through) is no reason. The reports
-- (SECURITY INVOKER) call it with the caller's rights, so authenticated and service_role may now
-- execute it: it reads nothing and only raises.
create or replace function public.admin_cli_check(p_reason text)
returns void
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if not (public.is_admin() or coalesce(auth.role() = 'service_role', false)) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
  if p_reason is not null and p_reason !~ '[^[:space:]]' then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
end
$$;

-- admin_order_refund(order, reason): a paid order (payment_status 'paid', delivered or waiting
-- for stock) becomes refunded/refunded; its active delivered account is suspended. Unknown
-- order: FF404; not paid or already refunded: FF409; nothing is changed or audited then.
create function public.admin_order_refund(p_order_id text, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  o           public.orders%rowtype;
  v_suspended integer;
begin
  perform public.admin_cli_check(p_reason);
  if p_reason is null then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
  select * into o from public.orders x where x.order_id = p_order_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;
  if o.order_status = 'refunded' or o.payment_status = 'refunded' then
    raise exception using errcode = 'FF409', message = 'Order is already refunded';
  end if;
  if o.payment_status <> 'paid' then
    raise exception using errcode = 'FF409',
      message = format('Order is not paid (%s/%s)', o.order_status, o.payment_status);
  end if;

  update public.orders x set order_status = 'refunded', payment_status = 'refunded'
   where x.order_id = o.order_id;
  update public.delivered_accounts d set account_status = 'suspended'
   where d.order_id = o.order_id and d.account_status = 'active';
  get diagnostics v_suspended = row_count;

  insert into public.payment_transactions (order_id, user_id, transaction_type, provider, amount, currency,
                                           status, event_type, provider_response)
  values (o.order_id, o.user_id, 'refund', 'manual', o.final_amount, 'usd', 'completed', 'admin_refund',
          jsonb_build_object('reason', p_reason, 'operator', auth.jwt() ->> 'operator'));

  perform public.admin_cli_audit('order_refund', 'orders', o.order_id, p_reason,
    jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status,
                       'delivery_status', o.delivery_status),
    jsonb_build_object('order_status', 'refunded', 'payment_status', 'refunded',
                       'delivery_status', o.delivery_status, 'amount', o.final_amount,
                       'accounts_suspended', v_suspended));
  return jsonb_build_object('success', true, 'order_id', o.order_id, 'amount', o.final_amount,
                            'old_order_status', o.order_status, 'old_payment_status', o.payment_status,
                            'order_status', 'refunded', 'payment_status', 'refunded',
                            'delivery_status', o.delivery_status, 'accounts_suspended', v_suspended);
end
$$;

comment on function public.admin_order_refund(text, text) is
  'ffx-admin orders refund: record a refund made outside the backend; the order becomes refunded, its account suspended, audited. Admins and service_role.';

-- admin_report_revenue(days): one row per UTC day with paid orders among the last p_days days
-- (today included; NULL: 30): paid orders, their gross, the refunded ones among them and their
-- amount, and the net.
create function public.admin_report_revenue(p_days integer)
returns table (day date, paid_orders bigint, gross numeric, refunded_orders bigint, refunded numeric,
               net numeric)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_days  integer := coalesce(p_days, 30);
  v_since timestamptz;
begin
  perform public.admin_cli_check(null);
  if v_days < 1 or v_days > 3660 then
    raise exception using errcode = 'FF400', message = 'Days must be between 1 and 3660';
  end if;
  v_since := (((now() at time zone 'UTC')::date - (v_days - 1))::timestamp) at time zone 'UTC';
  return query
    select (o.paid_at at time zone 'UTC')::date,
           count(*),
           sum(o.final_amount),
           count(*) filter (where o.payment_status = 'refunded'),
           coalesce(sum(o.final_amount) filter (where o.payment_status = 'refunded'), 0.00),
           sum(o.final_amount) - coalesce(sum(o.final_amount) filter (where o.payment_status = 'refunded'), 0.00)
      from public.orders o
     where o.paid_at >= v_since
     group by 1
     order by 1;
end
$$;

-- admin_report_conversion(): every order, how many were paid (paid_at), delivered, failed and
-- refunded, and the paid share in percent (2 decimals; NULL without orders).
create function public.admin_report_conversion()
returns table (orders bigint, paid bigint, delivered bigint, failed bigint, refunded bigint, paid_pct numeric)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  perform public.admin_cli_check(null);
  return query
    select count(*),
           count(*) filter (where o.paid_at is not null),
           count(*) filter (where o.delivery_status = 'delivered'),
           count(*) filter (where o.order_status = 'failed'),
           count(*) filter (where o.order_status = 'refunded'),
           round(100.0 * count(*) filter (where o.paid_at is not null) / nullif(count(*), 0), 2)
      from public.orders o;
end
$$;

-- admin_report_products(): per account type, size and platform: orders, paid orders and the
-- revenue net of refunds; the best sellers first.
create function public.admin_report_products()
returns table (account_type text, size integer, platform text, orders bigint, paid bigint, revenue numeric)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  perform public.admin_cli_check(null);
  return query
    select o.account_type, o.account_size, o.platform_type,
           count(*),
           count(*) filter (where o.paid_at is not null),
           coalesce(sum(o.final_amount) filter (where o.paid_at is not null and o.payment_status <> 'refunded'), 0.00)
      from public.orders o
     group by 1, 2, 3
     order by 6 desc, 1, 2, 3;
end
$$;

revoke all on function
  public.admin_order_refund(text, text),
  public.admin_report_revenue(integer),
  public.admin_report_conversion(),
  public.admin_report_products()
from public, anon, authenticated, service_role;

-- these check is_admin() / service_role themselves
grant execute on function
  public.admin_cli_check(text),
  public.admin_order_refund(text, text),
  public.admin_report_revenue(integer),
  public.admin_report_conversion(),
  public.admin_report_products()
to authenticated, service_role;
