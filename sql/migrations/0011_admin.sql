-- 0011_admin: the operator CLI's write paths (tools/ffx-admin).
--
-- Every change the CLI makes goes through one of these functions, which check the caller (an admin
-- claim or service_role), require a reason, and write admin_audit_log with the operator: an
-- admin's e-mail (auth.jwt()), or for service_role the claims' "operator" field (the OS user the
-- CLI runs as), recorded as admin_email 'operator:<name>'. Deliveries go through the automation's
-- own deliver_account_to_user / the stock trigger; e-mail re-sends through the outbox.
--
-- Business errors: SQLSTATE FF400/FF403/FF404/FF409 with the message, as in 0009.

-- admin_cli_audit(...): one audit row naming the operator. Owner only (SECURITY INVOKER, called
-- from the SECURITY DEFINER entry points below).
create function public.admin_cli_audit(p_action text, p_table text, p_record text, p_description text,
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

-- admin_cli_check(reason): the caller is an admin or service_role and gave a reason.
create function public.admin_cli_check(p_reason text)
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
  if p_reason is not null and btrim(p_reason) = '' then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
end
$$;

-- admin_identity(email): the auth.users row the CLI's --as-admin names (service_role only; the
-- CLI then acts as that user, and refuses unless app_metadata.role is 'admin').
create function public.admin_identity(p_email text)
returns table (id uuid, email text, app_metadata jsonb, user_metadata jsonb)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if not coalesce(auth.role() = 'service_role', false) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
  return query
    select u.id, u.email::text, coalesce(u.raw_app_meta_data, '{}'::jsonb), coalesce(u.raw_user_meta_data, '{}'::jsonb)
      from auth.users u
     where lower(u.email) = lower(p_email) and u.deleted_at is null;
end
$$;

-- admin_inventory_import(rows, reason): add accounts to the inventory, all or nothing.
-- p_rows: [{"line": n, "size", "platform", "server", "login", "password", "investor_password"}]
-- (strings as read from the CSV). Every row is checked first: size a positive integer, platform
-- mt4/mt5, no empty field, (server, login) neither repeated in the file nor already in the
-- inventory. Any bad row: {"success":false,"errors":[{"line","error"}]} and nothing is inserted.
-- Otherwise one INSERT (the stock trigger delivers waiting orders in this transaction):
-- {"success":true,"imported":n,"delivered":m}.
create function public.admin_inventory_import(p_rows jsonb, p_reason text)
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
  perform public.admin_cli_check(coalesce(p_reason, 'inventory import'));
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

  perform public.admin_cli_audit('inventory_import', 'account_container', null,
    coalesce(p_reason, format('%s accounts imported', cardinality(v_ids))), null,
    jsonb_build_object('imported', cardinality(v_ids), 'delivered', v_delivered,
                       'lines', (select jsonb_agg(jsonb_build_object('size', r.size, 'platform', r.platform,
                                                                      'server', r.server, 'login', r.login)
                                                    order by r.line) from pg_temp.admin_import_rows r)));
  return jsonb_build_object('success', true, 'imported', cardinality(v_ids), 'delivered', v_delivered);
end
$$;

-- admin_inventory_set_status(id, status, reason): available <-> disabled only, audited. Enabling
-- makes stock arrive (the stock trigger may deliver a waiting order at once).
create function public.admin_inventory_set_status(p_id uuid, p_status text, p_reason text)
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
  perform public.admin_cli_check(p_reason);
  if p_reason is null then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
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
  perform public.admin_cli_audit(case p_status when 'disabled' then 'inventory_disable' else 'inventory_enable' end,
    'account_container', p_id::text, p_reason,
    jsonb_build_object('status', v_old), jsonb_build_object('status', p_status));
  return jsonb_build_object('success', true, 'id', p_id, 'old_status', v_old, 'status', v_now);
end
$$;

-- admin_order_deliver(order, reason): the seed's manual delivery (deliver_account_to_user, the
-- function the automation uses), with the operator's reason in the audit log.
create function public.admin_order_deliver(p_order_id text, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user uuid;
  v_res  jsonb;
begin
  perform public.admin_cli_check(p_reason);
  if p_reason is null then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
  select o.user_id into v_user from public.orders o where o.order_id = p_order_id;
  if not found then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;
  v_res := public.deliver_account_to_user(p_order_id, v_user);
  perform public.admin_cli_audit('manual_delivery', 'orders', p_order_id, p_reason, null,
    jsonb_build_object('result', v_res));
  return v_res;
end
$$;

-- admin_resend_email(order, reason): send the order's delivery e-mail again. unique(order_id,
-- template) forbids a new row, so the existing one goes back to pending: a failed one through
-- outbox_requeue, a sent (or pending) one reset here. One being sent right now: FF409.
create function public.admin_resend_email(p_order_id text, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  e public.email_outbox%rowtype;
begin
  perform public.admin_cli_check(p_reason);
  if p_reason is null then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
  select * into e from public.email_outbox x
   where x.order_id = p_order_id and x.template_name = 'account_delivery' for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'No delivery e-mail for this order';
  end if;
  if e.status = 'sending' then
    raise exception using errcode = 'FF409', message = 'The e-mail is being sent right now';
  end if;
  if e.status = 'failed' then
    perform public.outbox_requeue(e.id);
  else
    update public.email_outbox x
       set status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = null
     where x.id = e.id;
    perform pg_notify('ffx_outbox', e.id::text);
  end if;
  perform public.admin_cli_audit('resend_email', 'email_outbox', e.id::text, p_reason,
    jsonb_build_object('status', e.status, 'sent_at', e.sent_at, 'attempts', e.attempts),
    jsonb_build_object('status', 'pending', 'order_id', p_order_id));
  return jsonb_build_object('success', true, 'outbox_id', e.id, 'old_status', e.status, 'status', 'pending');
end
$$;

-- admin_ipn_reprocess(event, reason): ipn_reprocess (the reconciler's path) plus an audit row
-- with the operator and reason.
create function public.admin_ipn_reprocess(p_event_id bigint, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_res jsonb;
begin
  perform public.admin_cli_check(coalesce(p_reason, 'reprocess'));
  v_res := public.ipn_reprocess(p_event_id);
  perform public.admin_cli_audit('ipn_reprocess_cli', 'ipn_events', p_event_id::text,
    coalesce(p_reason, 'reprocess'), null, jsonb_build_object('result', v_res));
  return v_res;
end
$$;

revoke all on function
  public.admin_cli_audit(text, text, text, text, jsonb, jsonb),
  public.admin_cli_check(text),
  public.admin_identity(text),
  public.admin_inventory_import(jsonb, text),
  public.admin_inventory_set_status(uuid, text, text),
  public.admin_order_deliver(text, text),
  public.admin_resend_email(text, text),
  public.admin_ipn_reprocess(bigint, text)
from public, anon, authenticated, service_role;

grant execute on function public.admin_identity(text) to service_role;
-- these check is_admin() / service_role themselves
grant execute on function
  public.admin_inventory_import(jsonb, text),
  public.admin_inventory_set_status(uuid, text, text),
  public.admin_order_deliver(text, text),
  public.admin_resend_email(text, text),
  public.admin_ipn_reprocess(bigint, text)
to authenticated, service_role;
