-- 97_console_shop: the console's shop actions (docs/CONSOLE.md, "Customers, inventory, catalogue"):
-- customers.*, inventory.*, deliveries.*, credentials.reveal, pricing.*, discounts.*, rules.*,
-- templates.*, coins.*, audit.list and staff.*.
--
-- Each action is ffx_internal.console_<resource>_<verb>(args jsonb) returning one JSON object,
-- reached only through ffx_internal.console() (91_console), which has checked the staff role's
-- capability. Arguments are read with the console_* helpers (FF400 naming the argument); every
-- change needs a reason and writes exactly one admin_audit_log row through admin_cli_audit.
--
-- Credentials (password, investor_password) appear in no listing, detail or audit row: only
-- credentials.reveal returns them, and its audit row names who asked and why, never the values.
--
-- Helpers of this file are named shop_* and are owner only (the actions run as the owner).

-- =============================================================================================
-- Helpers: finding a customer, an account, a delivery; the customer's money
-- =============================================================================================
-- shop_customer_id(args): the customer named by user_id or email (one of them, FF400); FF404 when
-- nobody has it. A customer is an auth.users row (its profile may lack: older users).
create or replace function ffx_internal.shop_customer_id(p_args jsonb)
returns uuid
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_id uuid := ffx_internal.console_uuid(p_args, 'user_id');
  v_email text := pg_catalog.lower(ffx_internal.console_text(p_args, 'email'));
  v_found uuid;
begin
  if v_id is null and v_email is null then
    raise exception using errcode = 'FF400', message = 'Give user_id or email';
  end if;
  select u.id into v_found
    from auth.users u
    left join public.user_profiles p on p.id = u.id
   where (v_id is not null and u.id = v_id)
      or (v_id is null and (pg_catalog.lower(u.email) = v_email or pg_catalog.lower(p.email) = v_email))
   order by (pg_catalog.lower(u.email) = v_email) desc nulls last
   limit 1;
  if v_found is null then
    raise exception using errcode = 'FF404',
      message = pg_catalog.format('No customer with %s %s', case when v_id is null then 'e-mail' else 'id' end,
                                  coalesce(v_id::text, v_email));
  end if;
  return v_found;
end
$$;

-- shop_customer_json(user): the customer with their order count and money: spent (paid orders),
-- refunded and net (spent - refunded), USD.
create or replace function ffx_internal.shop_customer_json(p_user_id uuid)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
           'user_id', u.id,
           'email', coalesce(nullif(pg_catalog.btrim(p.email), ''), u.email::text),
           'sign_in_email', u.email::text,
           'first_name', coalesce(p.first_name, ''),
           'last_name', coalesce(p.last_name, ''),
           'country', p.country,
           'phone', p.phone,
           'account_status', coalesce(p.account_status, 'active'),
           'created_at', coalesce(p.created_at, u.created_at),
           'last_sign_in_at', u.last_sign_in_at,
           'orders', m.orders,
           'paid_orders', m.paid_orders,
           'total_spent', m.spent,
           'total_refunded', m.refunded,
           'total_spent_net', m.spent - m.refunded)
    from auth.users u
    left join public.user_profiles p on p.id = u.id
    cross join lateral (
      select pg_catalog.count(*) as orders,
             pg_catalog.count(*) filter (where o.paid_at is not null) as paid_orders,
             coalesce(sum(o.final_amount) filter (where o.paid_at is not null), 0.00) as spent,
             coalesce(sum(ffx_internal.order_refunded_usd(o)) filter (where o.paid_at is not null), 0.00) as refunded
        from public.orders o where o.user_id = u.id) m
   where u.id = p_user_id
$$;

-- shop_account_id(args): an inventory account by id, or by login (+ server when that login is on
-- more than one server: FF409 naming them). FF400 with neither, FF404 when none matches.
create or replace function ffx_internal.shop_account_id(p_args jsonb)
returns uuid
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_id uuid := ffx_internal.console_uuid(p_args, 'id');
  v_login text := ffx_internal.console_text(p_args, 'login');
  v_server text := ffx_internal.console_text(p_args, 'server');
  v_ids uuid[];
begin
  if v_id is null and v_login is null then
    raise exception using errcode = 'FF400', message = 'Give id or login (and server when the login is on several)';
  end if;
  if v_id is not null then
    if not exists (select 1 from public.account_container c where c.id = v_id) then
      raise exception using errcode = 'FF404', message = pg_catalog.format('No account with id %s', v_id);
    end if;
    return v_id;
  end if;
  select pg_catalog.array_agg(c.id order by c.server_name) into v_ids
    from public.account_container c
   where c.login_id = v_login and (v_server is null or c.server_name = v_server);
  if v_ids is null then
    raise exception using errcode = 'FF404',
      message = pg_catalog.format('No account with login %s%s', v_login, coalesce(' on server ' || v_server, ''));
  end if;
  if pg_catalog.cardinality(v_ids) > 1 then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('Login %s is on several servers (%s): give server', v_login,
                                  (select pg_catalog.string_agg(c.server_name, ', ' order by c.server_name)
                                     from public.account_container c where c.id = any (v_ids)));
  end if;
  return v_ids[1];
end
$$;

-- shop_account_json(id): an inventory account without its passwords, with the order it is
-- reserved for or delivered to and that order's customer: which account went to whom.
create or replace function ffx_internal.shop_account_json(p_id uuid)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
           'id', c.id, 'account_size', c.account_size, 'platform_type', c.platform_type,
           'server_name', c.server_name, 'login_id', c.login_id, 'status', c.status,
           'order_id', coalesce(d.order_id, c.reserved_for_order_id), 'delivery_id', d.id,
           'customer_id', o.user_id,
           'customer_email', coalesce(nullif(pg_catalog.btrim(p.email), ''), u.email::text),
           'reserved_at', c.reserved_at, 'delivered_at', c.delivered_at,
           'created_at', c.created_at, 'updated_at', c.updated_at)
    from public.account_container c
    left join public.delivered_accounts d on d.container_account_id = c.id
    left join public.orders o on o.order_id = coalesce(d.order_id, c.reserved_for_order_id)
    left join public.user_profiles p on p.id = o.user_id
    left join auth.users u on u.id = o.user_id
   where c.id = p_id
$$;

-- shop_delivery_json(id): a delivered account without its passwords, with its customer.
create or replace function ffx_internal.shop_delivery_json(p_id uuid)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
           'id', d.id, 'order_id', d.order_id, 'user_id', d.user_id,
           'customer_email', coalesce(nullif(pg_catalog.btrim(p.email), ''), u.email::text),
           'inventory_id', d.container_account_id, 'account_type', d.account_type,
           'account_size', d.account_size, 'platform_type', d.platform_type,
           'server_name', d.server_name, 'login_id', d.login_id,
           'current_phase', d.current_phase, 'challenge_status', d.challenge_status,
           'phase_1_status', d.phase_1_status, 'phase_2_status', d.phase_2_status,
           'live_status', d.live_status, 'account_status', d.account_status,
           'email_sent', d.email_sent, 'email_sent_at', d.email_sent_at,
           'delivered_at', d.delivered_at, 'updated_at', d.updated_at)
    from public.delivered_accounts d
    left join public.user_profiles p on p.id = d.user_id
    left join auth.users u on u.id = d.user_id
   where d.id = p_id
$$;

-- shop_like(text): a user's search text as a LIKE pattern matching it anywhere, its own % and _
-- taken literally.
create or replace function ffx_internal.shop_like(p_text text)
returns text
language sql
immutable
set search_path = ''
as $$
  select '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(p_text, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;

-- shop_percent(args, name): a percentage 0..100 with at most 2 decimals, or NULL.
create or replace function ffx_internal.shop_percent(p_args jsonb, p_name text)
returns numeric
language plpgsql
immutable
set search_path = ''
as $$
declare
  v text := ffx_internal.console_text(p_args, p_name);
begin
  if v is null then
    return null;
  end if;
  if v !~ '^[0-9]{1,3}(\.[0-9]{1,2})?$' or v::numeric > 100 then
    raise exception using errcode = 'FF400', message = pg_catalog.format('%s must be a percentage from 0 to 100', p_name);
  end if;
  return v::numeric;
end
$$;

-- shop_changed(old, new): the keys of new whose value differs from old's.
create or replace function ffx_internal.shop_changed(p_old jsonb, p_new jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_object_agg(n.key, n.value), '{}'::jsonb)
    from pg_catalog.jsonb_each(p_new) n
   where (p_old -> n.key) is distinct from n.value
$$;

-- The low-stock level of inventory.stock and the dashboard: the console settings' threshold
-- (settings.set low_stock_threshold); a product with that many accounts available or fewer is low.
create or replace function ffx_internal.shop_low_stock_level()
returns integer
language sql
stable
set search_path = ''
as $$
  select (ffx_internal.console_money_settings()).low_stock_threshold
$$;

-- =============================================================================================
-- Customers
-- =============================================================================================
-- customers.list {q?, status?, limit, offset}: q matches the e-mail or the name, partly, in any case.
create or replace function ffx_internal.console_customers_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_q text := ffx_internal.console_text(p_args, 'q');
  v_status text := ffx_internal.console_enum(p_args, 'status', array['active', 'suspended', 'banned']);
  v_page record := ffx_internal.console_page(p_args);
  v_result jsonb;
begin
  with matching as (
    select u.id, u.created_at
      from auth.users u
      left join public.user_profiles p on p.id = u.id
     where u.deleted_at is null
       and (v_status is null or coalesce(p.account_status, 'active') = v_status)
       and (v_q is null
            or u.email::text ilike ffx_internal.shop_like(v_q)
            or p.email ilike ffx_internal.shop_like(v_q)
            or (coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')) ilike ffx_internal.shop_like(v_q)))
  select pg_catalog.jsonb_build_object(
           'customers', coalesce((select pg_catalog.jsonb_agg(ffx_internal.shop_customer_json(x.id) order by x.created_at desc, x.id)
                                    from (select m.id, m.created_at from matching m
                                           order by m.created_at desc, m.id
                                           limit v_page.lim offset v_page.off) x), '[]'::jsonb),
           'total', (select pg_catalog.count(*) from matching))
    into v_result;
  return v_result;
end
$$;

-- customers.get {user_id | email}: the customer, their orders, deliveries (no passwords), money.
create or replace function ffx_internal.console_customers_get(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_id uuid := ffx_internal.shop_customer_id(p_args);
  v_customer jsonb := ffx_internal.shop_customer_json(v_id);
begin
  return pg_catalog.jsonb_build_object(
    'customer', v_customer,
    'orders', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                 'order_id', o.order_id, 'account_type', o.account_type, 'account_size', o.account_size,
                                 'platform_type', o.platform_type, 'final_amount', o.final_amount,
                                 'discount_code', o.discount_code, 'order_status', o.order_status,
                                 'payment_status', o.payment_status, 'delivery_status', o.delivery_status,
                                 'needs_attention', o.needs_attention, 'refunded_usd', ffx_internal.order_refunded_usd(o),
                                 'created_at', o.created_at, 'paid_at', o.paid_at, 'delivered_at', o.delivered_at)
                               order by o.created_at desc, o.order_id)
                          from public.orders o where o.user_id = v_id), '[]'::jsonb),
    'deliveries', coalesce((select pg_catalog.jsonb_agg(ffx_internal.shop_delivery_json(d.id) order by d.delivered_at desc, d.id)
                              from public.delivered_accounts d where d.user_id = v_id), '[]'::jsonb),
    'total_spent_net', v_customer -> 'total_spent_net');
end
$$;

-- customers.set_status {user_id | email, status, reason}: active, suspended or banned.
-- Suspended or banned customers may not order (order_buyer_check, 30_orders), get no delivery
-- (deliver_account_core) and no re-sent e-mail. Banning also suspends their active delivered
-- accounts (a banned trader keeps no funded or evaluation account); suspending leaves the accounts
-- as they are (a suspension is a hold on the customer while something is looked into); reinstating
-- (active) reactivates nothing: each account goes back with deliveries.set_status, after a look
-- at whether it was breached meanwhile.
create or replace function ffx_internal.console_customers_set_status(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid := ffx_internal.shop_customer_id(p_args);
  v_status text := ffx_internal.console_enum(p_args, 'status', array['active', 'suspended', 'banned']);
  v_reason text := ffx_internal.console_reason(p_args);
  v_old text;
  v_suspended jsonb;
begin
  if v_status is null then
    raise exception using errcode = 'FF400', message = 'status is required';
  end if;
  -- a customer without a profile (an older user) gets one, as sign-up would have made it
  insert into public.user_profiles (id, email)
  select u.id, u.email from auth.users u where u.id = v_id
  on conflict (id) do nothing;
  select p.account_status into v_old from public.user_profiles p where p.id = v_id for update;
  if v_old = v_status then
    raise exception using errcode = 'FF409', message = pg_catalog.format('The customer is already %s', v_status);
  end if;

  update public.user_profiles p set account_status = v_status where p.id = v_id;
  if v_status = 'banned' then
    with s as (
      update public.delivered_accounts d set account_status = 'suspended'
       where d.user_id = v_id and d.account_status = 'active'
      returning d.id)
    select pg_catalog.jsonb_agg(s.id order by s.id) into v_suspended from s;
  end if;

  perform ffx_internal.admin_cli_audit('customer_set_status', 'user_profiles', v_id::text, v_reason,
    pg_catalog.jsonb_build_object('account_status', v_old),
    pg_catalog.jsonb_build_object('account_status', v_status,
                                  'accounts_suspended', coalesce(v_suspended, '[]'::jsonb)));
  return pg_catalog.jsonb_build_object('customer', ffx_internal.shop_customer_json(v_id),
                                       'accounts_suspended', coalesce(v_suspended, '[]'::jsonb));
end
$$;

-- customers.set_email {user_id | email, new_email, reason}: the address deliveries go to.
-- Deliveries read user_profiles.email (auth.users.email only when the profile has none), so that
-- is what changes, with the recipient of the customer's e-mails still in the outbox that are not
-- being sent right now (so a retry or a resend reaches the corrected address). The sign-in
-- address, auth.users.email, stays: it is Supabase Auth's identity (its identities and the
-- confirmation flow go with it), which the customer changes through Auth; when they do, the
-- profile follows it (handle_user_email_changed, 10_identity).
create or replace function ffx_internal.console_customers_set_email(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid := ffx_internal.shop_customer_id(p_args);
  v_new text := ffx_internal.console_text(p_args, 'new_email', true);
  v_reason text := ffx_internal.console_reason(p_args);
  v_old text;
  v_outbox integer;
begin
  if v_new !~ '^[^@[:space:]<>",;]+@[^@[:space:]<>",;]+\.[^@[:space:]<>",;]+$' or pg_catalog.length(v_new) > 254 then
    raise exception using errcode = 'FF400', message = 'new_email must be an e-mail address';
  end if;
  insert into public.user_profiles (id, email)
  select u.id, u.email from auth.users u where u.id = v_id
  on conflict (id) do nothing;
  select coalesce(nullif(pg_catalog.btrim(p.email), ''), (select u.email::text from auth.users u where u.id = v_id))
    into v_old from public.user_profiles p where p.id = v_id for update;
  if v_old = v_new then
    raise exception using errcode = 'FF409', message = pg_catalog.format('Deliveries already go to %s', v_new);
  end if;

  update public.user_profiles p set email = v_new where p.id = v_id;
  update public.email_outbox e set to_email = v_new
   where e.order_id in (select o.order_id from public.orders o where o.user_id = v_id)
     and e.status <> 'sending' and e.to_email <> '';
  get diagnostics v_outbox = row_count;

  perform ffx_internal.admin_cli_audit('customer_set_email', 'user_profiles', v_id::text, v_reason,
    pg_catalog.jsonb_build_object('email', v_old),
    pg_catalog.jsonb_build_object('email', v_new, 'outbox_rows_redirected', v_outbox));
  return pg_catalog.jsonb_build_object('customer', ffx_internal.shop_customer_json(v_id),
                                       'outbox_rows_redirected', v_outbox);
end
$$;

-- =============================================================================================
-- Inventory
-- =============================================================================================
-- inventory.list {status?, login?, account_size?, platform_type?, server?, limit, offset}
create or replace function ffx_internal.console_inventory_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_status text := ffx_internal.console_enum(p_args, 'status', array['available', 'reserved', 'delivered', 'disabled']);
  v_login text := ffx_internal.console_text(p_args, 'login');
  v_size integer := ffx_internal.console_int(p_args, 'account_size', null, 1, 100000000);
  v_platform text := ffx_internal.console_enum(p_args, 'platform_type', array['mt4', 'mt5']);
  v_server text := ffx_internal.console_text(p_args, 'server');
  v_page record := ffx_internal.console_page(p_args);
  v_result jsonb;
begin
  with matching as (
    select c.id, c.created_at, c.server_name, c.login_id
      from public.account_container c
     where (v_status is null or c.status = v_status)
       and (v_login is null or c.login_id ilike ffx_internal.shop_like(v_login))
       and (v_size is null or c.account_size = v_size)
       and (v_platform is null or c.platform_type = v_platform)
       and (v_server is null or pg_catalog.lower(c.server_name) = pg_catalog.lower(v_server)))
  select pg_catalog.jsonb_build_object(
           'accounts', coalesce((select pg_catalog.jsonb_agg(ffx_internal.shop_account_json(x.id)
                                                             order by x.created_at desc, x.server_name, x.login_id)
                                   from (select m.* from matching m
                                          order by m.created_at desc, m.server_name, m.login_id
                                          limit v_page.lim offset v_page.off) x), '[]'::jsonb),
           'total', (select pg_catalog.count(*) from matching))
    into v_result;
  return v_result;
end
$$;

-- inventory.stock {}: per size and platform (every product on sale, and whatever is in stock):
-- available, reserved, delivered, disabled, the paid orders waiting for stock, and low when
-- fewer than the low-stock level are available.
create or replace function ffx_internal.console_inventory_stock(p_args jsonb)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with products as (
    select p.account_size, p.platform_type from public.pricing p where p.active
    union
    select c.account_size, c.platform_type from public.account_container c),
  counts as (
    select k.account_size, k.platform_type,
           (select pg_catalog.count(*) from public.account_container c
             where c.account_size = k.account_size and c.platform_type = k.platform_type and c.status = 'available') as available,
           (select pg_catalog.count(*) from public.account_container c
             where c.account_size = k.account_size and c.platform_type = k.platform_type and c.status = 'reserved') as reserved,
           (select pg_catalog.count(*) from public.account_container c
             where c.account_size = k.account_size and c.platform_type = k.platform_type and c.status = 'delivered') as delivered,
           (select pg_catalog.count(*) from public.account_container c
             where c.account_size = k.account_size and c.platform_type = k.platform_type and c.status = 'disabled') as disabled,
           (select pg_catalog.count(*) from public.orders o
             where o.account_size = k.account_size and o.platform_type = k.platform_type
               and o.payment_status = 'paid' and o.delivery_status = 'pending'
               and o.order_status not in ('refunded', 'cancelled', 'failed')) as waiting_orders
      from products k)
  select pg_catalog.jsonb_build_object(
           'products', coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                  'account_size', c.account_size, 'platform_type', c.platform_type,
                                  'available', c.available, 'reserved', c.reserved, 'delivered', c.delivered,
                                  'disabled', c.disabled, 'waiting_orders', c.waiting_orders,
                                  'low', c.available <= ffx_internal.shop_low_stock_level())
                                order by c.account_size, c.platform_type), '[]'::jsonb),
           'low_stock_level', ffx_internal.shop_low_stock_level())
    from counts c
$$;

-- inventory.import {rows, dry_run?, reason}: rows as admin_inventory_import takes them (the admin
-- function and ffx-admin parse the CSV). The answer has one result per line, {line, ok, error?},
-- and the counts valid and invalid. dry_run checks and changes nothing (no audit row). A real
-- import is all or nothing, as admin_inventory_import is: with any bad line nothing is imported,
-- the answer says "success": false with an "error" sentence, imported 0, and the lines say why
-- (no audit row: nothing changed; the admin function answers it with 400); otherwise imported and delivered (waiting orders the new stock served at once), with
-- admin_inventory_import's one audit row.
create or replace function ffx_internal.console_inventory_import(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_rows jsonb := p_args -> 'rows';
  v_dry boolean := ffx_internal.console_bool(p_args, 'dry_run', false);
  v_reason text := case when v_dry then ffx_internal.console_text(p_args, 'reason') else ffx_internal.console_reason(p_args) end;
  v_errors jsonb;
  v_lines jsonb;
  v_result jsonb;
begin
  if pg_catalog.jsonb_typeof(v_rows) is distinct from 'array' or pg_catalog.jsonb_array_length(v_rows) = 0 then
    raise exception using errcode = 'FF400', message = 'rows must be a non-empty list of accounts';
  end if;
  if exists (select 1 from pg_catalog.jsonb_array_elements(v_rows) r
              where pg_catalog.jsonb_typeof(r) <> 'object' or coalesce(r ->> 'line', '') !~ '^[0-9]{1,9}$') then
    raise exception using errcode = 'FF400', message = 'each of rows must be an object with its line number (line)';
  end if;

  v_errors := case when v_dry then ffx_internal.admin_inventory_stage(v_rows) end;
  if not v_dry then
    v_result := ffx_internal.admin_inventory_import(v_rows, v_reason);
    v_errors := v_result -> 'errors';
  end if;
  select pg_catalog.jsonb_agg(case when e.error is null then pg_catalog.jsonb_build_object('line', r.line, 'ok', true)
                                   else pg_catalog.jsonb_build_object('line', r.line, 'ok', false, 'error', e.error) end
                              order by r.line)
    into v_lines
    from (select (x ->> 'line')::integer as line from pg_catalog.jsonb_array_elements(v_rows) x) r
    left join lateral (select pg_catalog.string_agg(y ->> 'error', '; ') as error
                         from pg_catalog.jsonb_array_elements(coalesce(v_errors, '[]'::jsonb)) y
                        where (y ->> 'line')::integer = r.line) e on true;
  return pg_catalog.jsonb_build_object(
           'dry_run', v_dry,
           'lines', v_lines,
           'valid', (select pg_catalog.count(*) from pg_catalog.jsonb_array_elements(v_lines) l where (l ->> 'ok')::boolean),
           'invalid', (select pg_catalog.count(*) from pg_catalog.jsonb_array_elements(v_lines) l where not (l ->> 'ok')::boolean),
           'imported', coalesce((v_result ->> 'imported')::integer, 0),
           'delivered', coalesce((v_result ->> 'delivered')::integer, 0))
         || case when v_dry or (v_result ->> 'success')::boolean then '{}'::jsonb
                 else pg_catalog.jsonb_build_object(
                        'success', false,
                        'error', pg_catalog.format('%s of %s lines have errors: nothing was imported',
                                                   (select pg_catalog.count(*) from pg_catalog.jsonb_array_elements(v_lines) l
                                                     where not (l ->> 'ok')::boolean),
                                                   pg_catalog.jsonb_array_length(v_lines))) end;
end
$$;

-- inventory.update {id | login (+ server), server?, password?, investor_password?, reason}:
-- correct a mistyped credential of an account not delivered yet (a delivered one's credentials
-- are the customer's: FF409). The audit row names the changed fields, the passwords only as
-- "changed".
create or replace function ffx_internal.console_inventory_update(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid := ffx_internal.shop_account_id(p_args);
  v_server text := ffx_internal.console_text(p_args, 'new_server');
  v_password text := ffx_internal.console_text(p_args, 'password');
  v_investor text := ffx_internal.console_text(p_args, 'investor_password');
  v_reason text := ffx_internal.console_reason(p_args);
  c public.account_container%rowtype;
  v_old jsonb := '{}';
  v_new jsonb := '{}';
begin
  if v_server is null and v_password is null and v_investor is null then
    raise exception using errcode = 'FF400', message = 'Give new_server, password or investor_password';
  end if;
  select * into c from public.account_container x where x.id = v_id for update;
  if c.status = 'delivered' then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('Account %s on %s is delivered: its credentials are the customer''s now', c.login_id, c.server_name);
  end if;
  if v_server is not null and v_server <> c.server_name then
    if exists (select 1 from public.account_container x where x.server_name = v_server and x.login_id = c.login_id) then
      raise exception using errcode = 'FF409',
        message = pg_catalog.format('Server %s already has login %s', v_server, c.login_id);
    end if;
    v_old := v_old || pg_catalog.jsonb_build_object('server_name', c.server_name);
    v_new := v_new || pg_catalog.jsonb_build_object('server_name', v_server);
  end if;
  if v_password is not null and v_password <> c.password then
    v_new := v_new || '{"password": "changed"}';
  end if;
  if v_investor is not null and v_investor is distinct from c.investor_password then
    v_new := v_new || '{"investor_password": "changed"}';
  end if;
  if v_new = '{}'::jsonb then
    raise exception using errcode = 'FF409', message = 'Nothing changes: the account already has these values';
  end if;

  update public.account_container x
     set server_name = coalesce(v_server, x.server_name),
         password = coalesce(v_password, x.password),
         investor_password = coalesce(v_investor, x.investor_password)
   where x.id = v_id;
  perform ffx_internal.admin_cli_audit('inventory_update', 'account_container', v_id::text, v_reason,
    v_old || pg_catalog.jsonb_build_object('login_id', c.login_id), v_new);
  return pg_catalog.jsonb_build_object('account', ffx_internal.shop_account_json(v_id),
                                       'changed', (select pg_catalog.jsonb_agg(k order by k) from pg_catalog.jsonb_object_keys(v_new) k));
end
$$;

-- inventory.set_status {id | login (+ server), status: available | disabled, reason}: wraps
-- admin_inventory_set_status (its audit row); re-enabling makes stock arrive.
create or replace function ffx_internal.console_inventory_set_status(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid := ffx_internal.shop_account_id(p_args);
  v_status text := ffx_internal.console_enum(p_args, 'status', array['available', 'disabled']);
  v_reason text := ffx_internal.console_reason(p_args);
begin
  if v_status is null then
    raise exception using errcode = 'FF400', message = 'status is required';
  end if;
  perform ffx_internal.admin_inventory_set_status(v_id, v_status, v_reason);
  return pg_catalog.jsonb_build_object('account', ffx_internal.shop_account_json(v_id));
end
$$;

-- =============================================================================================
-- Delivered accounts
-- =============================================================================================
-- deliveries.list {q? (order id, login, e-mail), user_id?, order_id?, account_status?, limit, offset}
create or replace function ffx_internal.console_deliveries_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_q text := ffx_internal.console_text(p_args, 'q');
  v_user uuid := ffx_internal.console_uuid(p_args, 'user_id');
  v_order text := ffx_internal.console_order_id(p_args, 'order_id', false);
  v_status text := ffx_internal.console_enum(p_args, 'account_status', array['active', 'suspended', 'closed', 'breached']);
  v_page record := ffx_internal.console_page(p_args);
  v_result jsonb;
begin
  with matching as (
    select d.id, d.delivered_at
      from public.delivered_accounts d
      left join public.user_profiles p on p.id = d.user_id
      left join auth.users u on u.id = d.user_id
     where (v_user is null or d.user_id = v_user)
       and (v_order is null or d.order_id = v_order)
       and (v_status is null or d.account_status = v_status)
       and (v_q is null
            or pg_catalog.upper(d.order_id) = pg_catalog.upper(v_q)
            or d.login_id ilike ffx_internal.shop_like(v_q)
            or p.email ilike ffx_internal.shop_like(v_q)
            or u.email::text ilike ffx_internal.shop_like(v_q)))
  select pg_catalog.jsonb_build_object(
           'deliveries', coalesce((select pg_catalog.jsonb_agg(ffx_internal.shop_delivery_json(x.id) order by x.delivered_at desc, x.id)
                                     from (select m.* from matching m order by m.delivered_at desc, m.id
                                            limit v_page.lim offset v_page.off) x), '[]'::jsonb),
           'total', (select pg_catalog.count(*) from matching))
    into v_result;
  return v_result;
end
$$;

-- deliveries.set_status {id | order_id, current_phase?, challenge_status?, phase_1_status?,
-- phase_2_status?, live_status?, account_status?, reason}: the values are those of the table's
-- CHECK constraints. Reactivating an account of a banned or suspended customer is refused
-- (FF409: reinstate the customer first).
create or replace function ffx_internal.console_deliveries_set_status(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid := ffx_internal.console_uuid(p_args, 'id');
  v_order text := ffx_internal.console_order_id(p_args, 'order_id', false);
  v_stages text[] := array['not_started', 'active', 'passed', 'failed'];
  v_want jsonb := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
    'current_phase', ffx_internal.console_enum(p_args, 'current_phase', array['challenge', 'phase_1', 'phase_2', 'live']),
    'challenge_status', ffx_internal.console_enum(p_args, 'challenge_status', v_stages),
    'phase_1_status', ffx_internal.console_enum(p_args, 'phase_1_status', v_stages),
    'phase_2_status', ffx_internal.console_enum(p_args, 'phase_2_status', v_stages),
    'live_status', ffx_internal.console_enum(p_args, 'live_status', v_stages),
    'account_status', ffx_internal.console_enum(p_args, 'account_status', array['active', 'suspended', 'closed', 'breached'])));
  v_reason text := ffx_internal.console_reason(p_args);
  d public.delivered_accounts%rowtype;
  v_old jsonb;
  v_new jsonb;
begin
  if v_id is null and v_order is null then
    raise exception using errcode = 'FF400', message = 'Give id or order_id';
  end if;
  if v_want = '{}'::jsonb then
    raise exception using errcode = 'FF400',
      message = 'Give current_phase, challenge_status, phase_1_status, phase_2_status, live_status or account_status';
  end if;
  select * into d from public.delivered_accounts x
   where (v_id is null or x.id = v_id) and (v_order is null or x.order_id = v_order)
   for update;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('No delivered account for %s', coalesce(v_id::text, v_order));
  end if;
  v_new := ffx_internal.shop_changed(pg_catalog.to_jsonb(d), v_want);
  if v_new = '{}'::jsonb then
    raise exception using errcode = 'FF409', message = 'Nothing changes: the account already has these values';
  end if;
  if v_new ->> 'account_status' = 'active' and not ffx_internal.customer_is_active(d.user_id) then
    raise exception using errcode = 'FF409', message = 'The customer is suspended or banned: reinstate the customer first';
  end if;
  select pg_catalog.jsonb_object_agg(k, pg_catalog.to_jsonb(d) -> k) into v_old from pg_catalog.jsonb_object_keys(v_new) k;

  update public.delivered_accounts x
     set current_phase = coalesce(v_new ->> 'current_phase', x.current_phase),
         challenge_status = coalesce(v_new ->> 'challenge_status', x.challenge_status),
         phase_1_status = coalesce(v_new ->> 'phase_1_status', x.phase_1_status),
         phase_2_status = coalesce(v_new ->> 'phase_2_status', x.phase_2_status),
         live_status = coalesce(v_new ->> 'live_status', x.live_status),
         account_status = coalesce(v_new ->> 'account_status', x.account_status)
   where x.id = d.id;
  perform ffx_internal.admin_cli_audit('delivery_set_status', 'delivered_accounts', d.id::text, v_reason,
    v_old || pg_catalog.jsonb_build_object('order_id', d.order_id), v_new);
  return pg_catalog.jsonb_build_object('delivery', ffx_internal.shop_delivery_json(d.id));
end
$$;

-- credentials.reveal {delivery_id | inventory_id, reason}: the one action that returns passwords.
-- Its audit row says who looked at which account and why, never the values.
create or replace function ffx_internal.console_credentials_reveal(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_delivery uuid := ffx_internal.console_uuid(p_args, 'delivery_id');
  v_inventory uuid := ffx_internal.console_uuid(p_args, 'inventory_id');
  v_reason text := ffx_internal.console_reason(p_args);
  v_table text;
  v_record uuid;
  v_login text;
  v_server text;
  v_password text;
  v_investor text;
begin
  if (v_delivery is null) = (v_inventory is null) then
    raise exception using errcode = 'FF400', message = 'Give delivery_id or inventory_id (one of them)';
  end if;
  if v_delivery is not null then
    select 'delivered_accounts', d.id, d.login_id, d.server_name, d.password, d.investor_password
      into v_table, v_record, v_login, v_server, v_password, v_investor
      from public.delivered_accounts d where d.id = v_delivery;
  else
    select 'account_container', c.id, c.login_id, c.server_name, c.password, c.investor_password
      into v_table, v_record, v_login, v_server, v_password, v_investor
      from public.account_container c where c.id = v_inventory;
  end if;
  if v_record is null then
    raise exception using errcode = 'FF404', message = pg_catalog.format('No account with id %s', coalesce(v_delivery, v_inventory));
  end if;
  perform ffx_internal.admin_cli_audit('credentials_reveal', v_table, v_record::text, v_reason, null,
    pg_catalog.jsonb_build_object('login_id', v_login, 'server_name', v_server));
  return pg_catalog.jsonb_build_object('login_id', v_login, 'server_name', v_server, 'password', v_password,
                                       'investor_password', v_investor);
end
$$;

-- =============================================================================================
-- Catalogue: prices, discount codes, trading rules, e-mail templates, coins
-- =============================================================================================
-- pricing.list {account_type?, platform_type?, active?, limit, offset}
create or replace function ffx_internal.console_pricing_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_type text := ffx_internal.console_enum(p_args, 'account_type', array['instant', 'hft', 'one_step', 'two_step']);
  v_platform text := ffx_internal.console_enum(p_args, 'platform_type', array['mt4', 'mt5']);
  v_active boolean := ffx_internal.console_bool(p_args, 'active');
  v_page record := ffx_internal.console_page(p_args);
  v_result jsonb;
begin
  with matching as (
    select p.* from public.pricing p
     where (v_type is null or p.account_type = v_type)
       and (v_platform is null or p.platform_type = v_platform)
       and (v_active is null or p.active = v_active))
  select pg_catalog.jsonb_build_object(
           'prices', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                        'account_type', x.account_type, 'account_size', x.account_size,
                                        'platform_type', x.platform_type, 'price_usd', x.price_usd,
                                        'active', x.active, 'updated_at', x.updated_at)
                                      order by x.account_type, x.account_size, x.platform_type)
                                 from (select m.* from matching m order by m.account_type, m.account_size, m.platform_type
                                        limit v_page.lim offset v_page.off) x), '[]'::jsonb),
           'total', (select pg_catalog.count(*) from matching))
    into v_result;
  return v_result;
end
$$;

-- pricing.set {account_type, account_size, platform_type, price_usd?, active?, reason}: creates the
-- product's row (price_usd needed then) or changes it; active false takes it off sale.
create or replace function ffx_internal.console_pricing_set(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_type text := ffx_internal.console_enum(p_args, 'account_type', array['instant', 'hft', 'one_step', 'two_step']);
  v_size integer := ffx_internal.console_int(p_args, 'account_size', null, 1, 100000000);
  v_platform text := ffx_internal.console_enum(p_args, 'platform_type', array['mt4', 'mt5']);
  v_price numeric := ffx_internal.console_amount(p_args, 'price_usd');
  v_active boolean := ffx_internal.console_bool(p_args, 'active');
  v_reason text := ffx_internal.console_reason(p_args);
  p public.pricing%rowtype;
  v_old jsonb;
  v_new jsonb;
begin
  if v_type is null or v_size is null or v_platform is null then
    raise exception using errcode = 'FF400', message = 'account_type, account_size and platform_type are required';
  end if;
  if v_price is null and v_active is null then
    raise exception using errcode = 'FF400', message = 'Give price_usd or active';
  end if;
  if v_price is not null and v_price <> pg_catalog.round(v_price, 2) then
    raise exception using errcode = 'FF400', message = 'price_usd must have at most 2 decimals';
  end if;
  select * into p from public.pricing x
   where x.account_type = v_type and x.account_size = v_size and x.platform_type = v_platform for update;
  if not found then
    if v_price is null then
      raise exception using errcode = 'FF400', message = 'price_usd is required for a new product';
    end if;
    insert into public.pricing (account_type, account_size, platform_type, price_usd, active)
    values (v_type, v_size, v_platform, v_price, coalesce(v_active, true))
    returning * into p;
    v_old := null;
    v_new := pg_catalog.jsonb_build_object('price_usd', p.price_usd, 'active', p.active);
  else
    v_new := ffx_internal.shop_changed(pg_catalog.to_jsonb(p),
               pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('price_usd', v_price, 'active', v_active)));
    if v_new = '{}'::jsonb then
      raise exception using errcode = 'FF409', message = 'Nothing changes: the product already has these values';
    end if;
    select pg_catalog.jsonb_object_agg(k, pg_catalog.to_jsonb(p) -> k) into v_old from pg_catalog.jsonb_object_keys(v_new) k;
    update public.pricing x
       set price_usd = coalesce(v_price, x.price_usd), active = coalesce(v_active, x.active)
     where x.id = p.id
    returning * into p;
  end if;
  perform ffx_internal.admin_cli_audit('pricing_set', 'pricing', p.id::text, v_reason, v_old,
    v_new || pg_catalog.jsonb_build_object('product', pg_catalog.format('%s %s %s', v_type, v_size, v_platform)));
  return pg_catalog.jsonb_build_object('price', pg_catalog.jsonb_build_object(
           'account_type', p.account_type, 'account_size', p.account_size, 'platform_type', p.platform_type,
           'price_usd', p.price_usd, 'active', p.active, 'updated_at', p.updated_at));
end
$$;

-- shop_discount_json(code): a code with its limits, validity and counts (uses: paid orders; held:
-- orders waiting for their payment).
create or replace function ffx_internal.shop_discount_json(p_code text)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
           'code', c.code, 'percent_off', c.percent_off, 'amount_off', c.amount_off,
           'max_uses', c.max_uses, 'max_uses_per_user', c.max_uses_per_user, 'uses', c.uses, 'held', c.held,
           'valid_from', c.valid_from, 'valid_until', c.valid_until, 'active', c.active,
           'usable_now', c.active and (c.valid_from is null or c.valid_from <= now())
                         and (c.valid_until is null or c.valid_until > now())
                         and (c.max_uses is null or c.uses + c.held < c.max_uses),
           'created_at', c.created_at, 'updated_at', c.updated_at)
    from public.discount_codes c where c.code = p_code
$$;

-- shop_discount_code(args): the code argument as the order rules store it (trimmed, upper case;
-- 32_discount_codes), checked against the table's format.
create or replace function ffx_internal.shop_discount_code(p_args jsonb)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v text := pg_catalog.upper(ffx_internal.console_text(p_args, 'code', true));
begin
  if v !~ '^[A-Z0-9][A-Z0-9_-]{0,63}$' then
    raise exception using errcode = 'FF400',
      message = 'code must be 1 to 64 letters, digits, _ or -, starting with a letter or digit';
  end if;
  return v;
end
$$;

-- shop_limit(args, name): a use limit: a whole number 0.., 'none' to remove it (returned as -1),
-- or NULL when not given.
create or replace function ffx_internal.shop_limit(p_args jsonb, p_name text)
returns integer
language plpgsql
immutable
set search_path = ''
as $$
begin
  if pg_catalog.lower(ffx_internal.console_text(p_args, p_name)) = 'none' then
    return -1;
  end if;
  return ffx_internal.console_int(p_args, p_name, null, 0, 1000000000);
end
$$;

-- discounts.list {q?, active?, limit, offset}
create or replace function ffx_internal.console_discounts_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_q text := ffx_internal.console_text(p_args, 'q');
  v_active boolean := ffx_internal.console_bool(p_args, 'active');
  v_page record := ffx_internal.console_page(p_args);
  v_result jsonb;
begin
  with matching as (
    select c.code, c.created_at from public.discount_codes c
     where (v_q is null or c.code ilike ffx_internal.shop_like(v_q))
       and (v_active is null or c.active = v_active))
  select pg_catalog.jsonb_build_object(
           'discounts', coalesce((select pg_catalog.jsonb_agg(ffx_internal.shop_discount_json(x.code) order by x.created_at desc, x.code)
                                    from (select m.* from matching m order by m.created_at desc, m.code
                                           limit v_page.lim offset v_page.off) x), '[]'::jsonb),
           'total', (select pg_catalog.count(*) from matching))
    into v_result;
  return v_result;
end
$$;

-- discounts.uses {code, limit, offset}: who used the code, on which order, when.
create or replace function ffx_internal.console_discounts_uses(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_code text := ffx_internal.shop_discount_code(p_args);
  v_page record := ffx_internal.console_page(p_args);
  v_discount jsonb := ffx_internal.shop_discount_json(v_code);
begin
  if v_discount is null then
    raise exception using errcode = 'FF404', message = pg_catalog.format('No discount code %s', v_code);
  end if;
  return pg_catalog.jsonb_build_object(
    'discount', v_discount,
    'uses', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                               'order_id', x.order_id, 'user_id', x.user_id, 'email', x.email, 'state', x.state,
                               'over_limit', x.over_limit, 'held_at', x.held_at, 'used_at', x.used_at,
                               'released_at', x.released_at, 'final_amount', x.final_amount,
                               'discount_amount', x.discount_amount, 'order_status', x.order_status)
                             order by x.created_at desc, x.order_id)
                        from (select s.*, coalesce(nullif(pg_catalog.btrim(p.email), ''), u.email::text) as email,
                                     o.final_amount, o.discount_amount, o.order_status
                                from public.discount_code_uses s
                                left join public.orders o on o.order_id = s.order_id
                                left join public.user_profiles p on p.id = s.user_id
                                left join auth.users u on u.id = s.user_id
                               where s.code = v_code
                               order by s.created_at desc, s.order_id
                               limit v_page.lim offset v_page.off) x), '[]'::jsonb),
    'total', (select pg_catalog.count(*) from public.discount_code_uses s where s.code = v_code));
end
$$;

-- discounts.create {code, percent_off | amount_off, max_uses?, max_uses_per_user?, valid_from?,
-- valid_until?, reason}
create or replace function ffx_internal.console_discounts_create(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_code text := ffx_internal.shop_discount_code(p_args);
  v_percent numeric := ffx_internal.console_amount(p_args, 'percent_off');
  v_amount numeric := ffx_internal.console_amount(p_args, 'amount_off');
  v_max integer := ffx_internal.console_int(p_args, 'max_uses', null, 0, 1000000000);
  v_max_user integer := ffx_internal.console_int(p_args, 'max_uses_per_user', null, 0, 1000000000);
  v_from timestamptz := ffx_internal.console_time(p_args, 'valid_from');
  v_until timestamptz := ffx_internal.console_time(p_args, 'valid_until');
  v_reason text := ffx_internal.console_reason(p_args);
  v_discount jsonb;
begin
  if (v_percent is null) = (v_amount is null) then
    raise exception using errcode = 'FF400', message = 'Give percent_off or amount_off (one of them)';
  end if;
  if v_percent > 100 or v_percent <> pg_catalog.round(v_percent, 2) then
    raise exception using errcode = 'FF400', message = 'percent_off must be above 0 and at most 100, with at most 2 decimals';
  end if;
  if v_amount <> pg_catalog.round(v_amount, 2) then
    raise exception using errcode = 'FF400', message = 'amount_off must have at most 2 decimals';
  end if;
  if v_until <= coalesce(v_from, now()) then
    raise exception using errcode = 'FF400', message = 'valid_until must be after valid_from (and in the future)';
  end if;
  if exists (select 1 from public.discount_codes c where c.code = v_code) then
    raise exception using errcode = 'FF409', message = pg_catalog.format('Discount code %s exists: change it with discounts.update', v_code);
  end if;
  insert into public.discount_codes (code, percent_off, amount_off, max_uses, max_uses_per_user, valid_from, valid_until)
  values (v_code, v_percent, v_amount, v_max, v_max_user, v_from, v_until);
  v_discount := ffx_internal.shop_discount_json(v_code);
  perform ffx_internal.admin_cli_audit('discount_create', 'discount_codes', v_code, v_reason, null,
    v_discount - array['uses', 'held', 'usable_now', 'created_at', 'updated_at']);
  return pg_catalog.jsonb_build_object('discount', v_discount);
end
$$;

-- discounts.update {code, active?, max_uses?, max_uses_per_user?, valid_until?, reason}: a limit or
-- valid_until of 'none' removes it; active false deactivates the code (orders holding it keep it).
create or replace function ffx_internal.console_discounts_update(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_code text := ffx_internal.shop_discount_code(p_args);
  v_active boolean := ffx_internal.console_bool(p_args, 'active');
  v_max integer := ffx_internal.shop_limit(p_args, 'max_uses');
  v_max_user integer := ffx_internal.shop_limit(p_args, 'max_uses_per_user');
  v_until_none boolean := pg_catalog.lower(ffx_internal.console_text(p_args, 'valid_until')) = 'none';
  v_until timestamptz := case when v_until_none then null else ffx_internal.console_time(p_args, 'valid_until') end;
  v_reason text := ffx_internal.console_reason(p_args);
  c public.discount_codes%rowtype;
  v_want jsonb;
  v_new jsonb;
  v_old jsonb;
begin
  if v_active is null and v_max is null and v_max_user is null and v_until is null and not coalesce(v_until_none, false) then
    raise exception using errcode = 'FF400', message = 'Give active, max_uses, max_uses_per_user or valid_until';
  end if;
  select * into c from public.discount_codes x where x.code = v_code for update;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('No discount code %s', v_code);
  end if;
  if v_until <= coalesce(c.valid_from, '-infinity') then
    raise exception using errcode = 'FF400', message = 'valid_until must be after the code''s valid_from';
  end if;
  v_want := '{}'::jsonb
    || case when v_active is not null then pg_catalog.jsonb_build_object('active', v_active) else '{}' end
    || case when v_max is not null then pg_catalog.jsonb_build_object('max_uses', nullif(v_max, -1)) else '{}' end
    || case when v_max_user is not null then pg_catalog.jsonb_build_object('max_uses_per_user', nullif(v_max_user, -1)) else '{}' end
    || case when v_until is not null or v_until_none then pg_catalog.jsonb_build_object('valid_until', v_until) else '{}' end;
  v_new := ffx_internal.shop_changed(pg_catalog.to_jsonb(c), v_want);
  if v_new = '{}'::jsonb then
    raise exception using errcode = 'FF409', message = 'Nothing changes: the code already has these values';
  end if;
  select pg_catalog.jsonb_object_agg(k, pg_catalog.to_jsonb(c) -> k) into v_old from pg_catalog.jsonb_object_keys(v_new) k;
  update public.discount_codes x
     set active = case when v_new ? 'active' then (v_new ->> 'active')::boolean else x.active end,
         max_uses = case when v_new ? 'max_uses' then (v_new ->> 'max_uses')::integer else x.max_uses end,
         max_uses_per_user = case when v_new ? 'max_uses_per_user' then (v_new ->> 'max_uses_per_user')::integer
                                  else x.max_uses_per_user end,
         valid_until = case when v_new ? 'valid_until' then (v_new ->> 'valid_until')::timestamptz else x.valid_until end
   where x.code = v_code;
  perform ffx_internal.admin_cli_audit('discount_update', 'discount_codes', v_code, v_reason, v_old, v_new);
  return pg_catalog.jsonb_build_object('discount', ffx_internal.shop_discount_json(v_code));
end
$$;

-- The trading-rule columns rules.set may change: percentages, and the minimum trading days.
create or replace function ffx_internal.shop_rule_columns()
returns table (name text, is_days boolean)
language sql
immutable
set search_path = ''
as $$
  values ('challenge_profit_target', false), ('challenge_max_daily_loss', false), ('challenge_max_total_loss', false),
         ('challenge_min_trading_days', true),
         ('phase_1_profit_target', false), ('phase_1_max_daily_loss', false), ('phase_1_max_total_loss', false),
         ('phase_1_min_trading_days', true),
         ('phase_2_profit_target', false), ('phase_2_max_daily_loss', false), ('phase_2_max_total_loss', false),
         ('phase_2_min_trading_days', true),
         ('live_max_daily_loss', false), ('live_max_total_loss', false), ('profit_share_percentage', false)
$$;

-- rules.list {account_type?, limit, offset}
create or replace function ffx_internal.console_rules_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_type text := ffx_internal.console_enum(p_args, 'account_type', array['instant', 'hft', 'one_step', 'two_step']);
  v_page record := ffx_internal.console_page(p_args);
begin
  return pg_catalog.jsonb_build_object(
    'rules', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(x) - 'id' order by x.account_type, x.account_size)
                         from (select r.* from public.trading_rules r
                                where v_type is null or r.account_type = v_type
                                order by r.account_type, r.account_size
                                limit v_page.lim offset v_page.off) x), '[]'::jsonb),
    'total', (select pg_catalog.count(*) from public.trading_rules r where v_type is null or r.account_type = v_type));
end
$$;

-- rules.set {account_type, account_size, <any rule column>…, reason}: creates the product's rules
-- or changes the columns given; a column given as 'none' is cleared (not every phase applies to
-- every type).
create or replace function ffx_internal.console_rules_set(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_type text := ffx_internal.console_enum(p_args, 'account_type', array['instant', 'hft', 'one_step', 'two_step']);
  v_size integer := ffx_internal.console_int(p_args, 'account_size', null, 1, 100000000);
  v_reason text := ffx_internal.console_reason(p_args);
  v_want jsonb := '{}';
  v_col record;
  r public.trading_rules%rowtype;
  v_new jsonb;
  v_old jsonb;
  v_created boolean := false;
begin
  if v_type is null or v_size is null then
    raise exception using errcode = 'FF400', message = 'account_type and account_size are required';
  end if;
  for v_col in select * from ffx_internal.shop_rule_columns() loop
    if pg_catalog.lower(ffx_internal.console_text(p_args, v_col.name)) = 'none' then
      if v_col.name = 'profit_share_percentage' then
        raise exception using errcode = 'FF400', message = 'profit_share_percentage cannot be cleared';
      end if;
      v_want := v_want || pg_catalog.jsonb_build_object(v_col.name, null);
    elsif v_col.is_days then
      v_want := v_want || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(v_col.name,
                            ffx_internal.console_int(p_args, v_col.name, null, 0, 3650)));
    else
      v_want := v_want || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(v_col.name,
                            ffx_internal.shop_percent(p_args, v_col.name)));
    end if;
  end loop;
  if v_want = '{}'::jsonb then
    raise exception using errcode = 'FF400',
      message = pg_catalog.format('Give at least one of: %s',
                                  (select pg_catalog.string_agg(c.name, ', ') from ffx_internal.shop_rule_columns() c));
  end if;

  select * into r from public.trading_rules x where x.account_type = v_type and x.account_size = v_size for update;
  if not found then
    insert into public.trading_rules (account_type, account_size) values (v_type, v_size) returning * into r;
    v_created := true;
  end if;
  v_new := ffx_internal.shop_changed(pg_catalog.to_jsonb(r), v_want);
  if v_new = '{}'::jsonb and not v_created then
    raise exception using errcode = 'FF409', message = 'Nothing changes: the rules already have these values';
  end if;
  select pg_catalog.jsonb_object_agg(k, pg_catalog.to_jsonb(r) -> k) into v_old from pg_catalog.jsonb_object_keys(v_new) k;
  r := pg_catalog.jsonb_populate_record(r, v_new);
  update public.trading_rules x
     set challenge_profit_target = r.challenge_profit_target, challenge_max_daily_loss = r.challenge_max_daily_loss,
         challenge_max_total_loss = r.challenge_max_total_loss, challenge_min_trading_days = r.challenge_min_trading_days,
         phase_1_profit_target = r.phase_1_profit_target, phase_1_max_daily_loss = r.phase_1_max_daily_loss,
         phase_1_max_total_loss = r.phase_1_max_total_loss, phase_1_min_trading_days = r.phase_1_min_trading_days,
         phase_2_profit_target = r.phase_2_profit_target, phase_2_max_daily_loss = r.phase_2_max_daily_loss,
         phase_2_max_total_loss = r.phase_2_max_total_loss, phase_2_min_trading_days = r.phase_2_min_trading_days,
         live_max_daily_loss = r.live_max_daily_loss, live_max_total_loss = r.live_max_total_loss,
         profit_share_percentage = r.profit_share_percentage
   where x.id = r.id
  returning * into r;
  perform ffx_internal.admin_cli_audit('rules_set', 'trading_rules', r.id::text, v_reason,
    case when v_created then null else v_old end,
    v_new || pg_catalog.jsonb_build_object('product', pg_catalog.format('%s %s', v_type, v_size), 'created', v_created));
  return pg_catalog.jsonb_build_object('rule', pg_catalog.to_jsonb(r) - 'id');
end
$$;

-- shop_render(template, variables, html): what the mailer does (tools/ffx-mailer/template.c):
-- every {{name}} (spaces inside the braces allowed; name letters, digits and _, 1 to 63) becomes
-- the variable's value: a string as it is, a number as written, a boolean as true/false, anything
-- else or an unknown name empty; HTML-escaped (& < > " ') when html. A value is never scanned
-- again; text that is not a placeholder, a lone {{ included, is copied as it is.
create or replace function ffx_internal.shop_render(p_template text, p_vars jsonb, p_html boolean)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_rest text := p_template;
  v_out text := '';
  v_open integer;
  v_close integer;
  v_name text;
  v_value text;
begin
  if p_template is null then
    return null;
  end if;
  loop
    v_open := pg_catalog.strpos(v_rest, '{{');
    if v_open = 0 then
      return v_out || v_rest;
    end if;
    v_out := v_out || pg_catalog.substr(v_rest, 1, v_open - 1);
    v_rest := pg_catalog.substr(v_rest, v_open);
    v_close := pg_catalog.strpos(pg_catalog.substr(v_rest, 3), '}}');
    if v_close = 0 then
      return v_out || v_rest;
    end if;
    v_name := pg_catalog.btrim(pg_catalog.substr(v_rest, 3, v_close - 1), ' ');
    if v_name !~ '^[A-Za-z0-9_]{1,63}$' then
      v_out := v_out || '{{';
      v_rest := pg_catalog.substr(v_rest, 3);
      continue;
    end if;
    v_value := case pg_catalog.jsonb_typeof(p_vars -> v_name)
                 when 'string' then p_vars ->> v_name
                 when 'number' then p_vars ->> v_name
                 when 'boolean' then p_vars ->> v_name
                 else '' end;
    if p_html then
      v_value := pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
                   v_value, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;');
    end if;
    v_out := v_out || v_value;
    v_rest := pg_catalog.substr(v_rest, v_close + 4);
  end loop;
end
$$;

-- shop_placeholders(text): the names of the {{name}} placeholders a template uses.
create or replace function ffx_internal.shop_placeholders(p_text text)
returns text[]
language sql
immutable
set search_path = ''
as $$
  select coalesce(pg_catalog.array_agg(distinct m[1] order by m[1]), '{}')
    from pg_catalog.regexp_matches(coalesce(p_text, ''), '\{\{ *([A-Za-z0-9_]{1,63}) *\}\}', 'g') m
$$;

-- shop_template_required(name): the placeholders a template may not lose: the delivery e-mail
-- is how the customer gets their account, so it keeps the order, the server, the login and both
-- passwords; the payment review keeps the order.
create or replace function ffx_internal.shop_template_required(p_template_name text)
returns text[]
language sql
immutable
set search_path = ''
as $$
  select case p_template_name
           when 'account_delivery' then array['investor_password', 'login_id', 'order_id', 'password', 'server_name']
           when 'payment_review' then array['order_id']
           else '{}'::text[] end
$$;

-- shop_template_sample(name): sample values for a preview.
create or replace function ffx_internal.shop_template_sample()
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select '{"first_name": "Alex", "order_id": "FFX123456789", "account_type": "one_step", "account_size": "10000",
           "platform_type": "mt5", "server_name": "FlashFundX-Demo", "login_id": "51234567",
           "password": "Sample#Pass1", "investor_password": "Sample#Inv1", "pay_currency": "usdttrc20",
           "asked": "649.00", "received": "600.00"}'::jsonb
$$;

-- templates.list {limit, offset}
create or replace function ffx_internal.console_templates_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_page record := ffx_internal.console_page(p_args);
begin
  return pg_catalog.jsonb_build_object(
    'templates', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                    'template_name', t.template_name, 'subject', t.subject, 'html_body', t.html_body,
                                    'text_body', t.text_body, 'variables', t.variables, 'is_active', t.is_active,
                                    'required', pg_catalog.to_jsonb(ffx_internal.shop_template_required(t.template_name)),
                                    'updated_at', t.updated_at) order by t.template_name)
                             from (select x.* from public.email_templates x order by x.template_name
                                    limit v_page.lim offset v_page.off) t), '[]'::jsonb),
    'total', (select pg_catalog.count(*) from public.email_templates));
end
$$;

-- templates.preview {template_name, variables? (an object, or its JSON text)}: {subject, html,
-- text} rendered as the mailer renders them, with sample values for the variables not given.
create or replace function ffx_internal.console_templates_preview(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_name text := ffx_internal.console_text(p_args, 'template_name', true);
  v_given jsonb := p_args -> 'variables';
  v_vars jsonb;
  t public.email_templates%rowtype;
begin
  if pg_catalog.jsonb_typeof(v_given) = 'string' then
    begin
      v_given := (v_given #>> '{}')::jsonb;
    exception when others then
      v_given := null;
    end;
    if v_given is null then
      raise exception using errcode = 'FF400', message = 'variables must be a JSON object';
    end if;
  end if;
  if v_given is not null and pg_catalog.jsonb_typeof(v_given) not in ('object', 'null') then
    raise exception using errcode = 'FF400', message = 'variables must be a JSON object';
  end if;
  select * into t from public.email_templates x where x.template_name = v_name;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('No e-mail template %s', v_name);
  end if;
  -- samples for the template's variables, then the given ones over them
  select coalesce(pg_catalog.jsonb_object_agg(n, coalesce(ffx_internal.shop_template_sample() -> n, pg_catalog.to_jsonb('[' || n || ']'))), '{}')
    into v_vars
    from pg_catalog.jsonb_array_elements_text(case when pg_catalog.jsonb_typeof(t.variables) = 'array' then t.variables else '[]' end) n;
  v_vars := v_vars || coalesce(nullif(v_given, 'null'::jsonb), '{}');
  return pg_catalog.jsonb_build_object(
    'template_name', t.template_name, 'is_active', t.is_active, 'variables', v_vars,
    'subject', ffx_internal.shop_render(t.subject, v_vars, false),
    'html', ffx_internal.shop_render(t.html_body, v_vars, true),
    'text', ffx_internal.shop_render(t.text_body, v_vars, false));
end
$$;

-- templates.set {template_name, subject?, html_body?, text_body?, is_active?, reason}: a template
-- the code sends (no new ones: nothing would send them). Refused (FF400): a placeholder that is
-- not one of the template's variables (it would render empty), and a subject, HTML or text that
-- loses a placeholder the e-mail needs (shop_template_required). The delivery e-mail cannot be
-- deactivated (FF409): deliveries would fail to reach their customer.
create or replace function ffx_internal.console_templates_set(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_name text := ffx_internal.console_text(p_args, 'template_name', true);
  v_subject text := ffx_internal.console_text(p_args, 'subject');
  v_html text := ffx_internal.console_text(p_args, 'html_body');
  v_text text := ffx_internal.console_text(p_args, 'text_body');
  v_active boolean := ffx_internal.console_bool(p_args, 'is_active');
  v_reason text := ffx_internal.console_reason(p_args);
  t public.email_templates%rowtype;
  v_known text[];
  v_unknown text[];
  v_missing text[];
  v_new jsonb;
  v_old jsonb;
begin
  if v_subject is null and v_html is null and v_text is null and v_active is null then
    raise exception using errcode = 'FF400', message = 'Give subject, html_body, text_body or is_active';
  end if;
  select * into t from public.email_templates x where x.template_name = v_name for update;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('No e-mail template %s', v_name);
  end if;
  v_known := array(select pg_catalog.jsonb_array_elements_text(
                            case when pg_catalog.jsonb_typeof(t.variables) = 'array' then t.variables else '[]' end));
  v_unknown := array(select n from pg_catalog.unnest(ffx_internal.shop_placeholders(coalesce(v_subject, '') || ' '
                       || coalesce(v_html, '') || ' ' || coalesce(v_text, ''))) n where not n = any (v_known) order by 1);
  if pg_catalog.cardinality(v_unknown) > 0 then
    raise exception using errcode = 'FF400',
      message = pg_catalog.format('{{%s}} is not a variable of %s (its variables: %s)', v_unknown[1], v_name,
                                  pg_catalog.array_to_string(v_known, ', '));
  end if;
  -- the HTML and the text must each keep the required placeholders (the subject needs none)
  v_missing := array(select n from pg_catalog.unnest(ffx_internal.shop_template_required(v_name)) n
                      where (v_html is not null and not n = any (ffx_internal.shop_placeholders(v_html)))
                         or (v_text is not null and not n = any (ffx_internal.shop_placeholders(v_text)))
                      order by 1);
  if pg_catalog.cardinality(v_missing) > 0 then
    raise exception using errcode = 'FF400',
      message = pg_catalog.format('%s needs {{%s}} in its HTML and text bodies', v_name,
                                  pg_catalog.array_to_string(v_missing, '}}, {{'));
  end if;
  if v_active is false and v_name = 'account_delivery' then
    raise exception using errcode = 'FF409', message = 'account_delivery cannot be deactivated: deliveries would not reach customers';
  end if;

  v_new := ffx_internal.shop_changed(pg_catalog.to_jsonb(t),
             pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('subject', v_subject, 'html_body', v_html,
                                                                        'text_body', v_text, 'is_active', v_active)));
  if v_new = '{}'::jsonb then
    raise exception using errcode = 'FF409', message = 'Nothing changes: the template already has these values';
  end if;
  select pg_catalog.jsonb_object_agg(k, pg_catalog.to_jsonb(t) -> k) into v_old from pg_catalog.jsonb_object_keys(v_new) k;
  update public.email_templates x
     set subject = coalesce(v_subject, x.subject), html_body = coalesce(v_html, x.html_body),
         text_body = coalesce(v_text, x.text_body), is_active = coalesce(v_active, x.is_active)
   where x.id = t.id
  returning * into t;
  perform ffx_internal.admin_cli_audit('template_set', 'email_templates', v_name, v_reason, v_old, v_new);
  return pg_catalog.jsonb_build_object('template', pg_catalog.jsonb_build_object(
           'template_name', t.template_name, 'subject', t.subject, 'html_body', t.html_body, 'text_body', t.text_body,
           'variables', t.variables, 'is_active', t.is_active, 'updated_at', t.updated_at));
end
$$;

-- coins.list {active?}: public.crypto_currency_map, our coin code and NOWPayments' code for it.
create or replace function ffx_internal.console_coins_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_active boolean := ffx_internal.console_bool(p_args, 'active');
  v_page record := ffx_internal.console_page(p_args);
begin
  return pg_catalog.jsonb_build_object(
    'coins', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(x) order by x.code)
                         from (select c.code, c.provider_code, c.active, c.created_at, c.updated_at
                                 from public.crypto_currency_map c
                                where v_active is null or c.active = v_active
                                order by c.code limit v_page.lim offset v_page.off) x), '[]'::jsonb),
    'total', (select pg_catalog.count(*) from public.crypto_currency_map c where v_active is null or c.active = v_active));
end
$$;

-- coins.set {code, provider_code?, active?, reason}: adds a coin (provider_code needed then),
-- changes its NOWPayments code, disables (active false) or re-enables it.
create or replace function ffx_internal.console_coins_set(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_code text := pg_catalog.lower(ffx_internal.console_text(p_args, 'code', true));
  v_provider text := pg_catalog.lower(ffx_internal.console_text(p_args, 'provider_code'));
  v_active boolean := ffx_internal.console_bool(p_args, 'active');
  v_reason text := ffx_internal.console_reason(p_args);
  c public.crypto_currency_map%rowtype;
  v_new jsonb;
  v_old jsonb;
begin
  if v_code !~ '^[a-z0-9_]{1,32}$' then
    raise exception using errcode = 'FF400', message = 'code must be 1 to 32 lower-case letters, digits or _';
  end if;
  if v_provider !~ '^[a-z0-9]{1,32}$' then
    raise exception using errcode = 'FF400', message = 'provider_code must be 1 to 32 lower-case letters or digits';
  end if;
  if v_provider is null and v_active is null then
    raise exception using errcode = 'FF400', message = 'Give provider_code or active';
  end if;
  select * into c from public.crypto_currency_map x where x.code = v_code for update;
  if not found then
    if v_provider is null then
      raise exception using errcode = 'FF400', message = 'provider_code is required for a new coin';
    end if;
    insert into public.crypto_currency_map (code, provider_code, active) values (v_code, v_provider, coalesce(v_active, true))
    returning * into c;
    v_old := null;
    v_new := pg_catalog.jsonb_build_object('provider_code', c.provider_code, 'active', c.active);
  else
    v_new := ffx_internal.shop_changed(pg_catalog.to_jsonb(c),
               pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('provider_code', v_provider, 'active', v_active)));
    if v_new = '{}'::jsonb then
      raise exception using errcode = 'FF409', message = 'Nothing changes: the coin already has these values';
    end if;
    select pg_catalog.jsonb_object_agg(k, pg_catalog.to_jsonb(c) -> k) into v_old from pg_catalog.jsonb_object_keys(v_new) k;
    update public.crypto_currency_map x
       set provider_code = coalesce(v_provider, x.provider_code), active = coalesce(v_active, x.active)
     where x.code = v_code
    returning * into c;
  end if;
  perform ffx_internal.admin_cli_audit('coin_set', 'crypto_currency_map', v_code, v_reason, v_old, v_new);
  return pg_catalog.jsonb_build_object('coin', pg_catalog.jsonb_build_object(
           'code', c.code, 'provider_code', c.provider_code, 'active', c.active, 'updated_at', c.updated_at));
end
$$;

-- =============================================================================================
-- The audit log
-- =============================================================================================
-- audit.list {admin? (e-mail, partly, or id), order_id?, action?, from?, to?, limit, offset}: the
-- newest first. order_id matches the rows about the order and those whose values name it.
create or replace function ffx_internal.console_audit_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_admin text := ffx_internal.console_text(p_args, 'admin');
  v_admin_id uuid := case when v_admin ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then v_admin::uuid end;
  v_order text := ffx_internal.console_order_id(p_args, 'order_id', false);
  v_action text := ffx_internal.console_text(p_args, 'action');
  v_from timestamptz := ffx_internal.console_time(p_args, 'from');
  v_to timestamptz := ffx_internal.console_time(p_args, 'to');
  v_page record := ffx_internal.console_page(p_args);
  v_result jsonb;
begin
  if v_to <= v_from then
    raise exception using errcode = 'FF400', message = 'to must be after from';
  end if;
  with matching as (
    select a.id from public.admin_audit_log a
     where (v_admin is null or a.admin_id = v_admin_id
            or (v_admin_id is null and a.admin_email ilike ffx_internal.shop_like(v_admin)))
       and (v_order is null or a.record_id = v_order or a.new_values ->> 'order_id' = v_order
            or a.old_values ->> 'order_id' = v_order)
       and (v_action is null or a.action_type = v_action)
       and (v_from is null or a.created_at >= v_from)
       and (v_to is null or a.created_at < v_to))
  select pg_catalog.jsonb_build_object(
           'entries', coalesce((select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(a) order by a.id desc)
                                  from public.admin_audit_log a
                                 where a.id in (select m.id from matching m order by m.id desc
                                                 limit v_page.lim offset v_page.off)), '[]'::jsonb),
           'total', (select pg_catalog.count(*) from matching))
    into v_result;
  return v_result;
end
$$;

-- =============================================================================================
-- Staff
-- =============================================================================================
-- staff.list {}: users with a staff role.
create or replace function ffx_internal.console_staff_list(p_args jsonb)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_page record := ffx_internal.console_page(p_args);
begin
  return pg_catalog.jsonb_build_object(
    'staff', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                'user_id', u.id, 'email', u.email::text, 'role', u.raw_app_meta_data ->> 'role',
                                'last_sign_in_at', u.last_sign_in_at, 'created_at', u.created_at)
                              order by u.email, u.id)
                         from (select x.* from auth.users x
                                where x.deleted_at is null and x.raw_app_meta_data ->> 'role' in ('admin', 'finance', 'support')
                                order by x.email, x.id limit v_page.lim offset v_page.off) u), '[]'::jsonb),
    'total', (select pg_catalog.count(*) from auth.users x
               where x.deleted_at is null and x.raw_app_meta_data ->> 'role' in ('admin', 'finance', 'support')));
end
$$;

-- staff.set_role {email, role: admin | finance | support | none, reason}: app_metadata.role of the
-- user's auth.users row (none removes the key). It takes effect with their next token: a console
-- token lasts 30 minutes, a Supabase one until it expires. The last admin cannot lose the role
-- (FF409): nobody could give it back but the database owner.
create or replace function ffx_internal.console_staff_set_role(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_email text := pg_catalog.lower(ffx_internal.console_text(p_args, 'email', true));
  v_role text := ffx_internal.console_enum(p_args, 'role', array['admin', 'finance', 'support', 'none']);
  v_reason text := ffx_internal.console_reason(p_args);
  u auth.users%rowtype;
  v_old text;
begin
  if v_role is null then
    raise exception using errcode = 'FF400', message = 'role is required';
  end if;
  select * into u from auth.users x where pg_catalog.lower(x.email) = v_email and x.deleted_at is null for update;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('No user with e-mail %s', v_email);
  end if;
  v_old := coalesce(u.raw_app_meta_data ->> 'role', 'none');
  if v_old = v_role then
    raise exception using errcode = 'FF409', message = pg_catalog.format('%s already has the role %s', v_email, v_role);
  end if;
  if v_old = 'admin' and not exists (select 1 from auth.users x
                                      where x.id <> u.id and x.deleted_at is null and x.raw_app_meta_data ->> 'role' = 'admin') then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('%s is the last admin: make someone else admin first', v_email);
  end if;
  update auth.users x
     set raw_app_meta_data = case when v_role = 'none' then coalesce(x.raw_app_meta_data, '{}') - 'role'
                                  else coalesce(x.raw_app_meta_data, '{}') || pg_catalog.jsonb_build_object('role', v_role) end
   where x.id = u.id;
  perform ffx_internal.admin_cli_audit('staff_set_role', 'auth.users', u.id::text, v_reason,
    pg_catalog.jsonb_build_object('role', v_old, 'email', v_email), pg_catalog.jsonb_build_object('role', v_role));
  return pg_catalog.jsonb_build_object('staff', pg_catalog.jsonb_build_object(
           'user_id', u.id, 'email', v_email, 'role', nullif(v_role, 'none')));
end
$$;

-- The helpers are the actions' own: owner only.
do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_catalog.pg_proc p
     where p.pronamespace = 'ffx_internal'::regnamespace and p.proname like 'shop\_%'
  loop
    execute pg_catalog.format('revoke all on function %s from public, anon, authenticated, service_role', f);
  end loop;
end
$$;

select ffx_internal.console_lock_down();
