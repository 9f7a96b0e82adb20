-- 91_console: the operator console's one entry point (docs/CONSOLE.md).
--
-- The admin function (functions/admin) and ffx-admin both call ffx_internal.console(action, args)
-- and nothing else, so the panel and the command line can never disagree. console() checks the
-- caller's staff role against the action's capability (console_actions(), the one list of what
-- exists and who may do it), then runs ffx_internal.console_<action>(args) with '.' turned into
-- '_': console_orders_refund for orders.refund. Each action function is SECURITY DEFINER, reads
-- its arguments through the console_arg_* helpers (FF400 with a sentence naming the argument),
-- writes exactly one admin_audit_log row per change through admin_cli_audit (admin_id = the
-- verified token's subject, admin_email = its e-mail, or 'operator:<user>' for the command
-- line's bootstrap mode as service_role), and returns one JSON object.
--
-- Staff roles: app_metadata.role on the token, set by Supabase Auth from auth.users
-- .raw_app_meta_data (users cannot change it). service_role counts as admin: it is how ffx-admin
-- bootstraps the first admin, and whoever holds the service key is the owner anyway.
--   support  read, resend                     (customer care)
--   finance  read, refund, accept, record, export
--   admin    everything, including manage     (the rest: deliver, cancel, inventory, catalogue...)

-- =============================================================================================
-- Who is calling
-- =============================================================================================
create or replace function ffx_internal.staff_role()
returns text
language sql
stable
as $$
  select case
           when ffx_internal.is_service_role() then 'admin'
           when auth.jwt() -> 'app_metadata' ->> 'role' in ('admin', 'finance', 'support')
             then auth.jwt() -> 'app_metadata' ->> 'role'
         end
$$;
comment on function ffx_internal.staff_role() is
  'admin, finance or support from app_metadata.role (service_role counts as admin); NULL for everyone else.';
revoke all on function ffx_internal.staff_role() from public, anon, authenticated, service_role;
grant execute on function ffx_internal.staff_role() to authenticated, service_role;

-- staff_may(role, capability): the one table of who may do what.
create or replace function ffx_internal.staff_may(p_role text, p_capability text)
returns boolean
language sql
immutable
as $$
  select coalesce(case p_capability
           when 'read' then p_role in ('admin', 'finance', 'support')
           when 'resend' then p_role in ('admin', 'support')
           when 'refund' then p_role in ('admin', 'finance')
           when 'accept' then p_role in ('admin', 'finance')
           when 'record' then p_role in ('admin', 'finance')
           when 'export' then p_role in ('admin', 'finance')
           when 'manage' then p_role = 'admin'
         end, false)
$$;
revoke all on function ffx_internal.staff_may(text, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.staff_may(text, text) to authenticated, service_role;

-- =============================================================================================
-- What exists and who may do it
-- =============================================================================================
-- console_actions(): every action, its capability and one line for `ffx-admin help` and the
-- panel. Reads are 'read' and may be called with GET; everything else changes state and writes one
-- audit row. An action listed here without its console_<name>(jsonb) function answers FF404.
create or replace function ffx_internal.console_actions()
returns table (action text, capability text, summary text)
language sql
immutable
as $$
  values
    -- the caller
    ('me.get',                   'read',   'who you are and what your role may do'),
    -- dashboard and reports
    ('dashboard.get',            'read',   'revenue net of refunds, conversion, stock, attention queue'),
    ('export.finance',           'export', 'payments, refunds and revenue of a period as CSV'),
    -- orders and payments
    ('orders.list',              'read',   'orders by id, e-mail, name, status and date'),
    ('orders.get',               'read',   'one order with payments, IPN events, delivery, e-mails, audit'),
    ('orders.refund',            'refund', 'refund an order, fully or partly, with a reason'),
    ('orders.accept_payment',    'accept', 'accept a payment held for review and deliver'),
    ('orders.record_payment',    'record', 'record a payment received outside NOWPayments and deliver'),
    ('orders.resend_email',      'resend', 'send the delivery e-mail again'),
    ('orders.deliver',           'manage', 'deliver a paid order now'),
    ('orders.cancel',            'manage', 'cancel an unpaid order'),
    ('orders.clear_attention',   'manage', 'clear an order''s needs_attention flag'),
    ('refunds.list',             'read',   'refunds waiting for a second admin, and decided ones'),
    ('refunds.approve',          'manage', 'approve and carry out another admin''s large refund'),
    ('refunds.reject',           'manage', 'reject a refund waiting for approval'),
    -- customers
    ('customers.list',           'read',   'customers by e-mail, name or status'),
    ('customers.get',            'read',   'one customer with orders, deliveries and total spent net'),
    ('customers.set_status',     'manage', 'suspend, ban or reinstate a customer'),
    ('customers.set_email',      'manage', 'correct the e-mail deliveries go to'),
    -- inventory and delivered accounts
    ('inventory.list',           'read',   'trading accounts in stock, by status, size, platform, login'),
    ('inventory.stock',          'read',   'stock per product with the low-stock warning'),
    ('inventory.import',         'manage', 'import accounts (rows parsed from CSV); dry_run previews'),
    ('inventory.update',         'manage', 'correct an account''s server or passwords'),
    ('inventory.set_status',     'manage', 'disable or re-enable an account by login or id'),
    ('deliveries.list',          'read',   'who got which account'),
    ('deliveries.set_status',    'manage', 'challenge phase, pass or fail, breach, suspension'),
    ('credentials.reveal',       'manage', 'show one account''s passwords, audited with a reason'),
    -- catalogue
    ('pricing.list',             'read',   'prices per product'),
    ('pricing.set',              'manage', 'set a product''s price or take it off sale'),
    ('discounts.list',           'read',   'discount codes with their uses'),
    ('discounts.uses',           'read',   'who used a discount code'),
    ('discounts.create',         'manage', 'create a discount code'),
    ('discounts.update',         'manage', 'change a code''s limits, dates or active flag'),
    ('rules.list',               'read',   'trading rules per product'),
    ('rules.set',                'manage', 'set a product''s trading rules'),
    ('templates.list',           'read',   'e-mail templates'),
    ('templates.preview',        'read',   'a template rendered with sample or given variables'),
    ('templates.set',            'manage', 'change an e-mail template'),
    ('coins.list',               'read',   'the coins customers may pay with'),
    ('coins.set',                'manage', 'add, change or disable a coin'),
    -- IPN events
    ('events.list',              'read',   'IPN events by state, unmatched ones included'),
    ('events.get',               'read',   'one IPN event with its payload'),
    ('events.reprocess',         'manage', 'process an IPN event again'),
    ('events.dismiss',           'manage', 'dismiss an IPN event with a reason'),
    ('events.link',              'manage', 'link an unmatched IPN event to its order'),
    -- the audit log
    ('audit.list',               'read',   'the audit log by admin, order, action and date'),
    -- the shop's switches and staff
    ('checkout.get',             'read',   'whether new crypto payments are paused'),
    ('checkout.pause',           'manage', 'pause new crypto payments with a message'),
    ('checkout.resume',          'manage', 'take new crypto payments again'),
    ('settings.get',             'read',   'the console''s thresholds'),
    ('settings.set',             'manage', 'refund approval threshold, low-stock level'),
    ('staff.list',               'read',   'staff members and their roles'),
    ('staff.set_role',           'manage', 'make someone admin, finance or support, or remove the role'),
    ('login_links.create',       'manage', 'a one-time panel sign-in link for a staff member')
$$;
comment on function ffx_internal.console_actions() is
  'Every console action with its capability (staff_may) and a one-line summary.';
revoke all on function ffx_internal.console_actions() from public, anon, authenticated, service_role;
grant execute on function ffx_internal.console_actions() to authenticated, service_role;

-- =============================================================================================
-- The entry point
-- =============================================================================================
-- console(action, args, read_only): run one action for the caller. read_only is what the admin
-- function passes for GET: only 'read' actions may be reached that way. A bare resource name
-- ('orders', 'dashboard') means its .list action, or its .get when it has no list.
create or replace function ffx_internal.console(p_action text, p_args jsonb default '{}', p_read_only boolean default false)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_role text := ffx_internal.staff_role();
  v_action text := p_action;
  v_capability text;
  v_result jsonb;
begin
  if v_role is null then
    raise exception using errcode = 'FF403', message = 'Staff only';
  end if;
  if v_action !~ '\.' then
    select a.action into v_action
      from ffx_internal.console_actions() a
     where a.action in (p_action || '.list', p_action || '.get')
     order by a.action like '%.list' desc
     limit 1;
  end if;
  select a.capability into v_capability from ffx_internal.console_actions() a where a.action = v_action;
  if v_capability is null
     or pg_catalog.to_regprocedure('ffx_internal.console_' || pg_catalog.replace(v_action, '.', '_') || '(jsonb)') is null then
    raise exception using errcode = 'FF404', message = pg_catalog.format('Unknown action: %s', p_action);
  end if;
  if p_read_only and v_capability <> 'read' then
    raise exception using errcode = 'FF400', message = pg_catalog.format('%s changes data: use POST', v_action);
  end if;
  if not ffx_internal.staff_may(v_role, v_capability) then
    raise exception using errcode = 'FF403',
      message = pg_catalog.format('The %s role may not %s', v_role, v_action);
  end if;
  if p_args is null or pg_catalog.jsonb_typeof(p_args) <> 'object' then
    raise exception using errcode = 'FF400', message = 'Arguments must be a JSON object';
  end if;
  execute pg_catalog.format('select ffx_internal.%I($1)', 'console_' || pg_catalog.replace(v_action, '.', '_'))
     into v_result using p_args;
  return coalesce(v_result, '{}'::jsonb);
end
$$;
comment on function ffx_internal.console(text, jsonb, boolean) is
  'The operator console''s one entry point: checks the staff role, then runs console_<action>(args).';
revoke all on function ffx_internal.console(text, jsonb, boolean) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.console(text, jsonb, boolean) to authenticated, service_role;

-- =============================================================================================
-- Arguments: one sentence per mistake, naming the argument (FF400)
-- =============================================================================================
-- Arguments come from a JSON body or, for GET, from the query string (every value a string), so
-- each reader accepts a number or boolean as JSON or as its text. An absent key, JSON null and ''
-- all mean "not given".
create or replace function ffx_internal.console_arg(p_args jsonb, p_name text)
returns text
language sql
immutable
as $$
  select nullif(case pg_catalog.jsonb_typeof(p_args -> p_name)
                  when 'string' then p_args ->> p_name
                  when 'number' then p_args ->> p_name
                  when 'boolean' then p_args ->> p_name
                end, '')
$$;

create or replace function ffx_internal.console_arg_check_scalar(p_args jsonb, p_name text)
returns void
language plpgsql
immutable
as $$
begin
  if pg_catalog.jsonb_typeof(p_args -> p_name) in ('object', 'array') then
    raise exception using errcode = 'FF400', message = pg_catalog.format('%s must be a single value', p_name);
  end if;
end
$$;

-- console_text(args, name, required): the value, trimmed; FF400 when required and missing.
create or replace function ffx_internal.console_text(p_args jsonb, p_name text, p_required boolean default false)
returns text
language plpgsql
immutable
as $$
declare
  v text;
begin
  perform ffx_internal.console_arg_check_scalar(p_args, p_name);
  v := pg_catalog.btrim(ffx_internal.console_arg(p_args, p_name), E' \t\r\n');
  if v = '' then
    v := null;
  end if;
  if v is null and p_required then
    raise exception using errcode = 'FF400', message = pg_catalog.format('%s is required', p_name);
  end if;
  return v;
end
$$;

-- console_reason(args): the reason every change needs: required, not only white space.
create or replace function ffx_internal.console_reason(p_args jsonb)
returns text
language plpgsql
immutable
as $$
declare
  v text := ffx_internal.console_text(p_args, 'reason');
begin
  if v is null then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
  return v;
end
$$;

-- console_enum(args, name, allowed, default): one of allowed, else FF400 listing them.
create or replace function ffx_internal.console_enum(p_args jsonb, p_name text, p_allowed text[], p_default text default null)
returns text
language plpgsql
immutable
as $$
declare
  v text := coalesce(ffx_internal.console_text(p_args, p_name), p_default);
begin
  if v is not null and not v = any (p_allowed) then
    raise exception using errcode = 'FF400',
      message = pg_catalog.format('%s must be one of: %s', p_name, pg_catalog.array_to_string(p_allowed, ', '));
  end if;
  return v;
end
$$;

-- console_int(args, name, default, min, max): a whole number within [min, max].
create or replace function ffx_internal.console_int(p_args jsonb, p_name text, p_default integer, p_min integer, p_max integer)
returns integer
language plpgsql
immutable
as $$
declare
  v text := ffx_internal.console_text(p_args, p_name);
begin
  if v is null then
    return p_default;
  end if;
  if v !~ '^-?[0-9]{1,9}$' or v::integer not between p_min and p_max then
    raise exception using errcode = 'FF400',
      message = pg_catalog.format('%s must be a whole number from %s to %s', p_name, p_min, p_max);
  end if;
  return v::integer;
end
$$;

-- console_amount(args, name, required): a positive amount with at most 8 decimals.
create or replace function ffx_internal.console_amount(p_args jsonb, p_name text, p_required boolean default false)
returns numeric
language plpgsql
immutable
as $$
declare
  v text := ffx_internal.console_text(p_args, p_name, p_required);
begin
  if v is null then
    return null;
  end if;
  if v !~ '^[0-9]{1,12}(\.[0-9]{1,8})?$' or v::numeric <= 0 then
    raise exception using errcode = 'FF400', message = pg_catalog.format('%s must be a positive amount', p_name);
  end if;
  return v::numeric;
end
$$;

-- console_bool(args, name, default): true/false (also 1/0, yes/no, on/off).
create or replace function ffx_internal.console_bool(p_args jsonb, p_name text, p_default boolean default null)
returns boolean
language plpgsql
immutable
as $$
declare
  v text := pg_catalog.lower(ffx_internal.console_text(p_args, p_name));
begin
  if v is null then
    return p_default;
  end if;
  if v in ('true', '1', 'yes', 'on') then
    return true;
  elsif v in ('false', '0', 'no', 'off') then
    return false;
  end if;
  raise exception using errcode = 'FF400', message = pg_catalog.format('%s must be true or false', p_name);
end
$$;

-- console_time(args, name): an ISO 8601 date or timestamp (a date means its UTC midnight).
create or replace function ffx_internal.console_time(p_args jsonb, p_name text)
returns timestamptz
language plpgsql
stable
as $$
declare
  v text := ffx_internal.console_text(p_args, p_name);
begin
  if v is null then
    return null;
  end if;
  if v !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9:]+)?)?$' then
    raise exception using errcode = 'FF400', message = pg_catalog.format('%s must be a date (YYYY-MM-DD) or an ISO 8601 time', p_name);
  end if;
  begin
    return case when v ~ '^[0-9-]+$' then (v || ' 00:00:00+00')::timestamptz else v::timestamptz end;
  exception when others then
    raise exception using errcode = 'FF400', message = pg_catalog.format('%s is not a valid date', p_name);
  end;
end
$$;

-- console_uuid(args, name, required)
create or replace function ffx_internal.console_uuid(p_args jsonb, p_name text, p_required boolean default false)
returns uuid
language plpgsql
immutable
as $$
declare
  v text := ffx_internal.console_text(p_args, p_name, p_required);
begin
  if v is null then
    return null;
  end if;
  if v !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    raise exception using errcode = 'FF400', message = pg_catalog.format('%s must be a UUID', p_name);
  end if;
  return v::uuid;
end
$$;

-- console_order_id(args): order_id in the FFX + 9 digits form (FF400 otherwise).
create or replace function ffx_internal.console_order_id(p_args jsonb, p_name text default 'order_id', p_required boolean default true)
returns text
language plpgsql
immutable
as $$
declare
  v text := pg_catalog.upper(ffx_internal.console_text(p_args, p_name, p_required));
begin
  if v is not null and v !~ '^FFX[0-9]{9}$' then
    raise exception using errcode = 'FF400', message = pg_catalog.format('%s must look like FFX123456789', p_name);
  end if;
  return v;
end
$$;

-- console_page(args): {limit, offset} for a listing: limit 1..500 (50), offset 0.. (0).
create or replace function ffx_internal.console_page(p_args jsonb, out lim integer, out off integer)
language plpgsql
immutable
as $$
begin
  lim := ffx_internal.console_int(p_args, 'limit', 50, 1, 500);
  off := ffx_internal.console_int(p_args, 'offset', 0, 0, 100000000);
end
$$;

-- =============================================================================================
-- Actions: the caller, sign-in links, the checkout switch
-- =============================================================================================
create or replace function ffx_internal.console_me_get(p_args jsonb)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
           'user', pg_catalog.jsonb_build_object(
                     'id', auth.uid(),
                     'email', coalesce(auth.jwt() ->> 'email', 'operator:' || coalesce(auth.jwt() ->> 'operator', 'unknown')),
                     'role', ffx_internal.staff_role()),
           'actions', (select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('action', a.action, 'capability', a.capability,
                                                                                 'summary', a.summary) order by a.action)
                         from ffx_internal.console_actions() a
                        where ffx_internal.staff_may(ffx_internal.staff_role(), a.capability)))
$$;

-- login_links.create {email, ttl_minutes (1..60, 10)}: the secret is returned once and stored
-- only as its SHA-256; the admin function exchanges it (admin_login_redeem) for a console token.
create or replace function ffx_internal.console_login_links_create(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_email text := pg_catalog.lower(ffx_internal.console_text(p_args, 'email', true));
  v_ttl integer := ffx_internal.console_int(p_args, 'ttl_minutes', 10, 1, 60);
  v_user auth.users%rowtype;
  v_secret text := pg_catalog.replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
  v_link ffx_internal.admin_login_links%rowtype;
begin
  select * into v_user from auth.users u where pg_catalog.lower(u.email) = v_email;
  if not found then
    raise exception using errcode = 'FF404', message = pg_catalog.format('No user with e-mail %s', v_email);
  end if;
  if coalesce(v_user.raw_app_meta_data ->> 'role', '') not in ('admin', 'finance', 'support') then
    raise exception using errcode = 'FF409',
      message = pg_catalog.format('%s has no staff role: give one first (staff.set_role)', v_email);
  end if;
  insert into ffx_internal.admin_login_links (user_id, secret_sha256, created_by, expires_at)
  values (v_user.id, pg_catalog.sha256(pg_catalog.convert_to(v_secret, 'UTF8')),
          coalesce(auth.jwt() ->> 'email', 'operator:' || coalesce(auth.jwt() ->> 'operator', 'unknown')),
          now() + pg_catalog.make_interval(mins => v_ttl))
  returning * into v_link;
  perform ffx_internal.admin_cli_audit('login_link_create', 'admin_login_links', v_link.id::text,
    pg_catalog.format('Sign-in link for %s, valid %s minutes', v_email, v_ttl), null,
    pg_catalog.jsonb_build_object('user_id', v_user.id, 'expires_at', v_link.expires_at));
  return pg_catalog.jsonb_build_object('link_id', v_link.id, 'secret', v_secret, 'email', v_email,
                                       'expires_at', v_link.expires_at);
end
$$;

-- admin_login_redeem(link, secret): the admin function's exchange, as service_role. Marks the link
-- used (once, before it expires) and returns the staff member with their CURRENT role; a wrong,
-- used or expired link, or a user no longer on the staff, is FF401 with one message for all.
create or replace function ffx_internal.admin_login_redeem(p_link_id uuid, p_secret text)
returns table (user_id uuid, email text, role text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid;
begin
  perform ffx_internal.require_service_role();
  update ffx_internal.admin_login_links l
     set used_at = now()
   where l.id = p_link_id
     and l.used_at is null
     and l.expires_at > now()
     and l.secret_sha256 = pg_catalog.sha256(pg_catalog.convert_to(coalesce(p_secret, ''), 'UTF8'))
  returning l.user_id into v_user_id;
  return query
    select u.id, u.email::text, u.raw_app_meta_data ->> 'role'
      from auth.users u
     where u.id = v_user_id
       and u.raw_app_meta_data ->> 'role' in ('admin', 'finance', 'support');
  if not found then
    raise exception using errcode = 'FF401', message = 'This sign-in link is invalid, used or expired';
  end if;
  insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id, description,
                                      old_values, new_values)
  select u.id, u.email, 'login_link_used', 'admin_login_links', p_link_id::text, 'Signed in to the console with a link',
         null, '{}'::jsonb
    from auth.users u where u.id = v_user_id;
end
$$;
comment on function ffx_internal.admin_login_redeem(uuid, text) is
  'Exchange a one-time sign-in link (service_role only): the staff member, or FF401.';
revoke all on function ffx_internal.admin_login_redeem(uuid, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_login_redeem(uuid, text) to service_role;

create or replace function ffx_internal.console_checkout_get(p_args jsonb)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('paused', s.checkout_paused, 'message', s.checkout_pause_message,
                                       'changed_by', s.checkout_paused_by, 'changed_at', s.checkout_paused_at)
    from public.order_settings s where s.id
$$;

-- console_checkout_set(paused, message, reason): the two switch actions' shared body. SECURITY
-- INVOKER: only they call it, as the owner.
create or replace function ffx_internal.console_checkout_set(p_paused boolean, p_message text, p_reason text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_old jsonb := ffx_internal.console_checkout_get('{}');
  v_by text := coalesce(auth.jwt() ->> 'email', 'operator:' || coalesce(auth.jwt() ->> 'operator', 'unknown'));
begin
  update public.order_settings s
     set checkout_paused = p_paused,
         checkout_pause_message = case when p_paused then p_message end,
         checkout_paused_by = v_by,
         checkout_paused_at = now()
   where s.id;
  perform ffx_internal.admin_cli_audit(case when p_paused then 'checkout_pause' else 'checkout_resume' end,
    'order_settings', 'checkout', p_reason, v_old, ffx_internal.console_checkout_get('{}'));
  return ffx_internal.console_checkout_get('{}');
end
$$;

-- checkout.pause {message, reason}: create-crypto-payment answers 503 with the message.
create or replace function ffx_internal.console_checkout_pause(p_args jsonb)
returns jsonb
language sql
volatile
security definer
set search_path = ''
as $$
  select ffx_internal.console_checkout_set(true, ffx_internal.console_text(p_args, 'message', true),
                                           ffx_internal.console_reason(p_args))
$$;

-- checkout.resume {reason}
create or replace function ffx_internal.console_checkout_resume(p_args jsonb)
returns jsonb
language sql
volatile
security definer
set search_path = ''
as $$
  select ffx_internal.console_checkout_set(false, null, ffx_internal.console_reason(p_args))
$$;

-- console_lock_down(): every console_<action> function is reached through console() only. Each
-- file that defines actions calls it at its end (PUBLIC gets EXECUTE on a new function, and
-- Supabase grants the API roles everything on new objects).
create or replace function ffx_internal.console_lock_down()
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_catalog.pg_proc p
     where p.pronamespace = 'ffx_internal'::regnamespace
       and p.proname like 'console\_%'
       and p.proname not in ('console_actions', 'console_lock_down')
  loop
    execute pg_catalog.format('revoke all on function %s from public, anon, authenticated, service_role', f);
  end loop;
end
$$;
revoke all on function ffx_internal.console_lock_down() from public, anon, authenticated, service_role;

select ffx_internal.console_lock_down();
