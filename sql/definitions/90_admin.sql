-- 90_admin: the operator's write paths (tools/ffx-admin) and reports.
--
-- Every change the CLI makes goes through one of these functions, which check the caller (an admin
-- claim or service_role), require a reason, and write admin_audit_log with the operator: an
-- admin's e-mail (auth.jwt()), or for service_role the claims' "operator" field (the OS user the
-- CLI runs as), recorded as admin_email 'operator:<name>'. Deliveries go through the automation's
-- own deliver_account_to_user / the stock trigger (60_delivery); e-mail re-sends through the
-- outbox (70_email_outbox).
--
-- admin_order_refund records a refund the operator made outside the backend (NOWPayments has no
-- refund API: refunds go through its dashboard or support). It has the effect of a NOWPayments
-- 'refunded' on the paying payment (payment_apply): the order becomes refunded/refunded and its
-- delivered account is suspended, plus a 'refund' row in payment_transactions (provider 'manual')
-- and an audit row naming the operator and the reason. A 'refunded' IPN arriving later for the
-- same payment changes no order state (the order is already refunded); a 'finished' one is
-- flagged for review, never delivered.
--
-- The reports are SECURITY INVOKER: they read with the caller's rights, so RLS applies to them as
-- to any query of the caller (admins see every order, service_role bypasses RLS), and they refuse
-- anyone else with FF403 (admin_cli_check). Money is orders.final_amount (USD, the price the
-- order was paid at). Revenue is counted on the UTC day the order was paid (paid_at); a refunded
-- order stays on its paid day and is subtracted there (net = gross - refunded).
--
-- Business errors: SQLSTATE FF400/FF403/FF404/FF409 with the message.

-- =============================================================================================
-- The caller, the reason and the audit row
-- =============================================================================================
-- admin_cli_audit(...): one audit row naming the operator. Owner only (SECURITY INVOKER, called
-- from the SECURITY DEFINER entry points below).
create or replace function ffx_internal.admin_cli_audit(p_action text, p_table text, p_record text, p_description text,
                                       p_old jsonb, p_new jsonb)
returns void
language sql
volatile
security invoker
set search_path = ''
as $$
  insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                      description, old_values, new_values)
  values (auth.uid(),
          coalesce(auth.jwt() ->> 'email', 'operator:' || coalesce(auth.jwt() ->> 'operator', 'unknown')),
          p_action, p_table, p_record, p_description, p_old,
          coalesce(p_new, '{}'::jsonb) || jsonb_build_object('operator', auth.jwt() ->> 'operator'))
$$;
revoke all on function ffx_internal.admin_cli_audit(text, text, text, text, jsonb, jsonb) from public, anon, authenticated, service_role;

-- admin_cli_check(reason): the caller has a staff role (admin, finance, support) or is service_role (FF403), and a reason, when one
-- is asked for (not NULL), is more than white space (tabs and line breaks included) (FF400). The
-- reports (SECURITY INVOKER) call it with the caller's rights, so authenticated and service_role
-- may execute it: it reads nothing and only raises.
create or replace function ffx_internal.admin_cli_check(p_reason text)
returns void
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  -- Any staff role: the console (91_console) has already checked the action's capability before
  -- an action reaches the functions below; the reports' direct callers are staff too.
  if ffx_internal.staff_role() is null then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
  if p_reason is not null and p_reason !~ '[^[:space:]]' then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
end
$$;
revoke all on function ffx_internal.admin_cli_check(text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_cli_check(text) to authenticated, service_role;

-- admin_cli_require_reason(reason): admin_cli_check, and the reason may not be missing (FF400).
-- Owner only (the SECURITY DEFINER entry points below call it).
create or replace function ffx_internal.admin_cli_require_reason(p_reason text)
returns void
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  perform ffx_internal.admin_cli_check(p_reason);
  if p_reason is null then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
end
$$;
revoke all on function ffx_internal.admin_cli_require_reason(text) from public, anon, authenticated, service_role;

-- admin_order_for_update(order, reason): the prologue of every operator command on one order:
-- the caller and the reason checked (admin_cli_require_reason), then the order locked FOR UPDATE
-- and returned; FF404 Order not found. Owner only.
create or replace function ffx_internal.admin_order_for_update(p_order_id text, p_reason text)
returns public.orders
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  o public.orders%rowtype;
begin
  perform ffx_internal.admin_cli_require_reason(p_reason);
  select * into o from public.orders x where x.order_id = p_order_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;
  return o;
end
$$;
revoke all on function ffx_internal.admin_order_for_update(text, text) from public, anon, authenticated, service_role;

-- admin_identity(email): the auth.users row the CLI's --as-admin names (service_role only; the
-- CLI then acts as that user, and refuses unless app_metadata.role is 'admin').
create or replace function ffx_internal.admin_identity(p_email text)
returns table (id uuid, email text, app_metadata jsonb, user_metadata jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform ffx_internal.require_service_role();
  return query
    select u.id, u.email::text, coalesce(u.raw_app_meta_data, '{}'::jsonb), coalesce(u.raw_user_meta_data, '{}'::jsonb)
      from auth.users u
     where lower(u.email) = lower(p_email) and u.deleted_at is null;
end
$$;
revoke all on function ffx_internal.admin_identity(text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_identity(text) to service_role;

-- =============================================================================================
-- Inventory
-- =============================================================================================
-- admin_inventory_stage(rows): the checks of an import, shared by admin_inventory_import and the
-- console's dry run (inventory.import, 97_console_shop). p_rows: [{"line": n, "size", "platform",
-- "server", "login", "password", "investor_password"}] (strings as read from the CSV), staged in
-- pg_temp.admin_import_rows. Every row is checked: size a positive integer, platform mt4/mt5, no
-- empty field, (server, login) neither repeated in the file nor already in the inventory. Returns
-- [{"line","error"}] for the bad rows, NULL when every row is good. Not an array or empty: FF400.
-- Owner only.
create or replace function ffx_internal.admin_inventory_stage(p_rows jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_errors jsonb;
begin
  if jsonb_typeof(p_rows) is distinct from 'array' or jsonb_array_length(p_rows) = 0 then
    raise exception using errcode = 'FF400', message = 'No rows to import';
  end if;

  create temp table if not exists pg_temp.admin_import_rows (
    line integer, size text, platform text, server text, login text, password text, investor text
  ) on commit drop;
  truncate pg_temp.admin_import_rows;
  insert into pg_temp.admin_import_rows
  select (r ->> 'line')::integer, btrim(r ->> 'size'), lower(btrim(r ->> 'platform')), btrim(r ->> 'server'),
         btrim(r ->> 'login'), r ->> 'password', r ->> 'investor_password'
    from jsonb_array_elements(p_rows) r;

  with problems as (
    select r.line,
           case
             when coalesce(r.size, '') = '' or coalesce(r.platform, '') = '' or coalesce(r.server, '') = ''
                  or coalesce(r.login, '') = '' or coalesce(r.password, '') = '' or coalesce(r.investor, '') = ''
               then 'empty field'
             when r.size !~ '^[0-9]{1,9}$' or r.size::integer < 1
               then format('size %s is not a positive integer', r.size)
             when r.platform not in ('mt4', 'mt5')
               then format('platform %s is not mt4 or mt5', r.platform)
             when exists (select 1 from pg_temp.admin_import_rows e
                           where e.server = r.server and e.login = r.login and e.line < r.line)
               then format('duplicate of line %s (server %s, login %s)',
                           (select min(e.line) from pg_temp.admin_import_rows e where e.server = r.server and e.login = r.login),
                           r.server, r.login)
             when exists (select 1 from public.account_container c
                           where c.server_name = r.server and c.login_id = r.login)
               then format('server %s login %s is already in the inventory', r.server, r.login)
           end as error
      from pg_temp.admin_import_rows r)
  select jsonb_agg(jsonb_build_object('line', p.line, 'error', p.error) order by p.line)
    into v_errors
    from problems p
   where p.error is not null;
  return v_errors;
end
$$;
revoke all on function ffx_internal.admin_inventory_stage(jsonb) from public, anon, authenticated, service_role;

-- admin_inventory_import(rows, reason): add accounts to the inventory, all or nothing. The rows
-- are checked by admin_inventory_stage (above). Any bad row:
-- {"success":false,"errors":[{"line","error"}]} and nothing is inserted.
-- Otherwise one INSERT (the stock trigger delivers waiting orders in this transaction):
-- {"success":true,"imported":n,"delivered":m}.
create or replace function ffx_internal.admin_inventory_import(p_rows jsonb, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_errors    jsonb;
  v_ids       uuid[];
  v_delivered integer;
begin
  perform ffx_internal.admin_cli_check(coalesce(p_reason, 'inventory import'));
  v_errors := ffx_internal.admin_inventory_stage(p_rows);

  if v_errors is not null then
    return jsonb_build_object('success', false, 'errors', v_errors);
  end if;

  with ins as (
    insert into public.account_container (account_size, platform_type, server_name, login_id, password, investor_password)
    select r.size::integer, r.platform, r.server, r.login, r.password, r.investor
      from pg_temp.admin_import_rows r
     order by r.line
    returning id)
  select array_agg(ins.id) into v_ids from ins;

  select count(*) into v_delivered from public.delivered_accounts d where d.container_account_id = any (v_ids);

  perform ffx_internal.admin_cli_audit('inventory_import', 'account_container', null,
    coalesce(p_reason, format('%s accounts imported', cardinality(v_ids))), null,
    jsonb_build_object('imported', cardinality(v_ids), 'delivered', v_delivered,
                       'lines', (select jsonb_agg(jsonb_build_object('size', r.size, 'platform', r.platform,
                                                                      'server', r.server, 'login', r.login)
                                                    order by r.line) from pg_temp.admin_import_rows r)));
  return jsonb_build_object('success', true, 'imported', cardinality(v_ids), 'delivered', v_delivered);
end
$$;
revoke all on function ffx_internal.admin_inventory_import(jsonb, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_inventory_import(jsonb, text) to authenticated, service_role;

-- admin_inventory_set_status(id, status, reason): available <-> disabled only, audited. Enabling
-- makes stock arrive (the stock trigger may deliver a waiting order at once).
create or replace function ffx_internal.admin_inventory_set_status(p_id uuid, p_status text, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_old text;
  v_now text;
begin
  perform ffx_internal.admin_cli_require_reason(p_reason);
  if p_status not in ('available', 'disabled') then
    raise exception using errcode = 'FF400', message = 'Status must be available or disabled';
  end if;
  select c.status into v_old from public.account_container c where c.id = p_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Account not found';
  end if;
  if v_old = p_status then
    raise exception using errcode = 'FF409', message = format('Account is already %s', p_status);
  end if;
  if (v_old, p_status) not in (('available', 'disabled'), ('disabled', 'available')) then
    raise exception using errcode = 'FF409', message = format('Account is %s: only available <-> disabled', v_old);
  end if;
  update public.account_container c set status = p_status where c.id = p_id;
  select c.status into v_now from public.account_container c where c.id = p_id;
  perform ffx_internal.admin_cli_audit(case p_status when 'disabled' then 'inventory_disable' else 'inventory_enable' end,
    'account_container', p_id::text, p_reason,
    jsonb_build_object('status', v_old), jsonb_build_object('status', p_status));
  return jsonb_build_object('success', true, 'id', p_id, 'old_status', v_old, 'status', v_now);
end
$$;
revoke all on function ffx_internal.admin_inventory_set_status(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_inventory_set_status(uuid, text, text) to authenticated, service_role;

-- =============================================================================================
-- Orders
-- =============================================================================================
create or replace function ffx_internal.admin_order_deliver(p_order_id text, p_reason text, p_force boolean default false)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  o     public.orders%rowtype;
  v_res jsonb;
begin
  o := ffx_internal.admin_order_for_update(p_order_id, p_reason);
  if o.delivery_status <> 'delivered' and not ffx_internal.customer_is_active(o.user_id) then
    raise exception using errcode = 'FF409', message = 'Customer account is not active';
  end if;
  if o.payment_status <> 'paid' and o.delivery_status <> 'delivered' then
    if not coalesce(p_force, false) then
      raise exception using errcode = 'FF409',
        message = 'Order not paid: accept a held payment (orders accept-payment) or deliver with --force';
    end if;
    if o.order_status in ('refunded', 'cancelled') or o.payment_status = 'refunded' then
      raise exception using errcode = 'FF409', message = 'Order is refunded or cancelled';
    end if;
    update public.orders x
       set order_status = 'processing', payment_status = 'paid', paid_at = coalesce(x.paid_at, now())
     where x.order_id = o.order_id;
    perform ffx_internal.admin_cli_audit('payment_forced', 'orders', o.order_id, p_reason,
      jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status,
                         'needs_attention', o.needs_attention),
      jsonb_build_object('order_status', 'processing', 'payment_status', 'paid'));
  end if;
  v_res := ffx_internal.deliver_account_to_user(o.order_id, o.user_id);
  perform ffx_internal.admin_cli_audit('manual_delivery', 'orders', o.order_id, p_reason, null,
    jsonb_build_object('result', v_res, 'forced', coalesce(p_force, false)));
  return v_res;
end
$$;

comment on function ffx_internal.admin_order_deliver(text, text, boolean) is
  'Operator: deliver a paid order (or, with force and a reason, an unpaid one), audited. Admins and service_role.';
revoke all on function ffx_internal.admin_order_deliver(text, text, boolean) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_order_deliver(text, text, boolean) to authenticated, service_role;

-- =============================================================================================
-- The operator's way out of a hold, and a manual delivery that refuses unpaid orders
-- =============================================================================================

-- admin_order_accept_payment(order, reason): an operator accepts the money a held order received
-- (underpaid within what the firm tolerates, a wrong asset it converted, a price mismatch it
-- agrees to, a customer it reactivated): the order becomes paid, its received payments counted,
-- the hold cleared, audited with the verdict it overrode, then delivered. Unknown order: FF404;
-- no hold (needs_attention not one of the hold reasons) or already paid: FF409; a banned or
-- suspended customer: FF409 (reactivate first).
create or replace function ffx_internal.admin_order_accept_payment(p_order_id text, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  o     public.orders%rowtype;
  v_res jsonb;
begin
  o := ffx_internal.admin_order_for_update(p_order_id, p_reason);
  if o.paid_at is not null or o.delivery_status = 'delivered'
     or o.order_status in ('refunded', 'cancelled')
     or o.needs_attention is null
     or o.needs_attention not in ('partially_paid', 'underpaid', 'wrong_currency', 'price_mismatch', 'customer_blocked') then
    raise exception using errcode = 'FF409', message = 'Order has no held payment';
  end if;
  if not ffx_internal.customer_is_active(o.user_id) then
    raise exception using errcode = 'FF409', message = 'Customer account is not active';
  end if;

  update public.payments m
     set counted = true
   where m.order_id = o.order_id and m.payment_status in ('finished', 'partially_paid')
     and coalesce(m.actually_paid, 0) > 0;
  update public.orders x
     set order_status = 'processing', payment_status = 'paid', paid_at = now(),
         needs_attention = null, attention_detail = null
   where x.order_id = o.order_id;
  perform ffx_internal.admin_cli_audit('payment_accepted', 'orders', o.order_id, p_reason,
    jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status,
                       'needs_attention', o.needs_attention, 'attention_detail', o.attention_detail),
    jsonb_build_object('order_status', 'processing', 'payment_status', 'paid'));

  v_res := ffx_internal.deliver_account_core(o.order_id, o.user_id, 'admin_accept_payment');
  perform ffx_internal.admin_cli_audit('manual_delivery', 'orders', o.order_id, p_reason, null,
    jsonb_build_object('result', v_res));
  return v_res;
end
$$;

comment on function ffx_internal.admin_order_accept_payment(text, text) is
  'Operator: accept the money of a held order (needs_attention a hold reason), audited, then deliver. Admins and service_role.';
revoke all on function ffx_internal.admin_order_accept_payment(text, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_order_accept_payment(text, text) to authenticated, service_role;

-- admin_order_refund(order, reason): a paid order (payment_status 'paid', delivered or waiting
-- for stock) becomes refunded/refunded; its active delivered account is suspended. Unknown
-- order: FF404; not paid or already refunded: FF409; nothing is changed or audited then.
create or replace function ffx_internal.admin_order_refund(p_order_id text, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  o           public.orders%rowtype;
  v_suspended integer;
  v_amount    numeric;
begin
  o := ffx_internal.admin_order_for_update(p_order_id, p_reason);
  -- what is left after the console's partial refunds (96_console_money): refunds never exceed the price
  v_amount := o.final_amount - ffx_internal.order_refunded_manually(o.order_id);
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
  values (o.order_id, o.user_id, 'refund', 'manual', v_amount, 'usd', 'completed', 'admin_refund',
          jsonb_build_object('reason', p_reason, 'operator', auth.jwt() ->> 'operator'));

  perform ffx_internal.admin_cli_audit('order_refund', 'orders', o.order_id, p_reason,
    jsonb_build_object('order_status', o.order_status, 'payment_status', o.payment_status,
                       'delivery_status', o.delivery_status),
    jsonb_build_object('order_status', 'refunded', 'payment_status', 'refunded',
                       'delivery_status', o.delivery_status, 'amount', v_amount,
                       'accounts_suspended', v_suspended));
  return jsonb_build_object('success', true, 'order_id', o.order_id, 'amount', v_amount,
                            'old_order_status', o.order_status, 'old_payment_status', o.payment_status,
                            'order_status', 'refunded', 'payment_status', 'refunded',
                            'delivery_status', o.delivery_status, 'accounts_suspended', v_suspended);
end
$$;

comment on function ffx_internal.admin_order_refund(text, text) is
  'ffx-admin orders refund: record a refund made outside the backend; the order becomes refunded, its account suspended, audited. Admins and service_role.';
revoke all on function ffx_internal.admin_order_refund(text, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_order_refund(text, text) to authenticated, service_role;

-- admin_order_clear_attention(order, reason): the operator has dealt with what needs_attention
-- asked for (a price checked by hand, a refund decided outside the backend): the flag goes,
-- audited with the old value (a direct UPDATE of the column is refused: 30_orders). The payments'
-- needs_review marks stay as they are: payment_apply reads them to tell a paying payment from one
-- under review. Unknown order: FF404; nothing to clear: FF409.
create or replace function ffx_internal.admin_order_clear_attention(p_order_id text, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  o          public.orders%rowtype;
  v_reviewed jsonb;
begin
  o := ffx_internal.admin_order_for_update(p_order_id, p_reason);
  if o.needs_attention is null then
    raise exception using errcode = 'FF409', message = 'Order needs no attention';
  end if;

  update public.orders x set needs_attention = null, attention_detail = null where x.order_id = o.order_id;
  select coalesce(jsonb_agg(p.payment_id order by p.created_at, p.id), '[]'::jsonb) into v_reviewed
    from public.payments p where p.order_id = o.order_id and p.needs_review;

  perform ffx_internal.admin_cli_audit('clear_attention', 'orders', o.order_id, p_reason,
    jsonb_build_object('needs_attention', o.needs_attention, 'attention_detail', o.attention_detail),
    jsonb_build_object('needs_attention', null, 'payments_in_review', v_reviewed));
  return jsonb_build_object('success', true, 'order_id', o.order_id, 'old_needs_attention', o.needs_attention,
                            'needs_attention', null, 'payments_in_review', v_reviewed);
end
$$;

comment on function ffx_internal.admin_order_clear_attention(text, text) is
  'ffx-admin orders clear-attention: clear an order''s needs_attention with a reason, audited. Admins and service_role.';
revoke all on function ffx_internal.admin_order_clear_attention(text, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_order_clear_attention(text, text) to authenticated, service_role;

-- admin_resend_allowed(order): the credentials go out again only to a customer who may still use
-- them: FF409 when the order is refunded, its delivered account suspended, closed or breached, or
-- the customer suspended or banned. Owner only (admin_resend_email and orders.resend_email).
create or replace function ffx_internal.admin_resend_allowed(p_order_id text)
returns void
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  o public.orders%rowtype;
  v_account text;
begin
  select * into o from public.orders x where x.order_id = p_order_id;
  if o.order_status = 'refunded' or o.payment_status = 'refunded' then
    raise exception using errcode = 'FF409', message = 'The order is refunded: its credentials are not sent again';
  end if;
  select d.account_status into v_account from public.delivered_accounts d where d.order_id = p_order_id;
  if v_account is not null and v_account <> 'active' then
    raise exception using errcode = 'FF409',
      message = format('The delivered account is %s: its credentials are not sent again', v_account);
  end if;
  if not ffx_internal.customer_is_active(o.user_id) then
    raise exception using errcode = 'FF409',
      message = 'The customer is suspended or banned: reinstate them first (customers.set_status)';
  end if;
end
$$;
revoke all on function ffx_internal.admin_resend_allowed(text) from public, anon, authenticated, service_role;

-- admin_resend_email(order, reason): send the order's delivery e-mail again. unique(order_id,
-- template) forbids a new row, so the existing one goes back to pending: a failed one through
-- outbox_requeue, a sent (or pending) one reset here. One being sent right now: FF409.
create or replace function ffx_internal.admin_resend_email(p_order_id text, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  e public.email_outbox%rowtype;
begin
  perform ffx_internal.admin_cli_require_reason(p_reason);
  select * into e from public.email_outbox x
   where x.order_id = p_order_id and x.template_name = 'account_delivery' for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'No delivery e-mail for this order';
  end if;
  perform ffx_internal.admin_resend_allowed(p_order_id);
  if e.status = 'sending' then
    raise exception using errcode = 'FF409', message = 'The e-mail is being sent right now';
  end if;
  if e.status = 'failed' then
    perform ffx_internal.outbox_requeue(e.id);
  else
    update public.email_outbox x
       set status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = null
     where x.id = e.id;
    perform pg_notify('ffx_outbox', e.id::text);
  end if;
  perform ffx_internal.admin_cli_audit('resend_email', 'email_outbox', e.id::text, p_reason,
    jsonb_build_object('status', e.status, 'sent_at', e.sent_at, 'attempts', e.attempts),
    jsonb_build_object('status', 'pending', 'order_id', p_order_id));
  return jsonb_build_object('success', true, 'outbox_id', e.id, 'old_status', e.status, 'status', 'pending');
end
$$;
revoke all on function ffx_internal.admin_resend_email(text, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_resend_email(text, text) to authenticated, service_role;

-- admin_ipn_reprocess(event, reason): ipn_reprocess (the reconciler's path) plus an audit row
-- with the operator and reason.
create or replace function ffx_internal.admin_ipn_reprocess(p_event_id bigint, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_res jsonb;
begin
  perform ffx_internal.admin_cli_check(coalesce(p_reason, 'reprocess'));
  v_res := ffx_internal.ipn_reprocess(p_event_id);
  perform ffx_internal.admin_cli_audit('ipn_reprocess_cli', 'ipn_events', p_event_id::text,
    coalesce(p_reason, 'reprocess'), null, jsonb_build_object('result', v_res));
  return v_res;
end
$$;
revoke all on function ffx_internal.admin_ipn_reprocess(bigint, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_ipn_reprocess(bigint, text) to authenticated, service_role;

-- =============================================================================================
-- Reports
-- =============================================================================================
-- admin_report_revenue(days): one row per UTC day with paid orders among the last p_days days
-- (today included; NULL: 30): paid orders, their gross, the refunded ones among them and their
-- amount, and the net.
create or replace function ffx_internal.admin_report_revenue(p_days integer)
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
  perform ffx_internal.admin_cli_check(null);
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
revoke all on function ffx_internal.admin_report_revenue(integer) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_report_revenue(integer) to authenticated, service_role;

-- admin_report_conversion(): every order, how many were paid (paid_at), delivered, failed and
-- refunded, and the paid share in percent (2 decimals; NULL without orders).
create or replace function ffx_internal.admin_report_conversion()
returns table (orders bigint, paid bigint, delivered bigint, failed bigint, refunded bigint, paid_pct numeric)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  perform ffx_internal.admin_cli_check(null);
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
revoke all on function ffx_internal.admin_report_conversion() from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_report_conversion() to authenticated, service_role;

-- admin_report_products(): per account type, size and platform: orders, paid orders and the
-- revenue net of refunds; the best sellers first.
create or replace function ffx_internal.admin_report_products()
returns table (account_type text, size integer, platform text, orders bigint, paid bigint, revenue numeric)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  perform ffx_internal.admin_cli_check(null);
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
revoke all on function ffx_internal.admin_report_products() from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_report_products() to authenticated, service_role;
