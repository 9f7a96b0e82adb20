-- 60_delivery: the inventory of trading accounts and exactly-once delivery.
--
-- deliver_account_core delivers one account to a paid order; payment_apply (50_payments) calls it
-- on a verified payment, deliver_account_to_user (the admin console and the backend) and
-- deliver_waiting_core (stock arrival, the reconciler) for orders waiting for stock. A paid order
-- with no stock (or no trading rules) waits: processing / paid / pending with paid_at set.
-- Credentials never reach the audit log; the delivery e-mail goes to the outbox (70_email_outbox)
-- in the delivering transaction.

-- =============================================================================================
-- account_container: the MT4/MT5 inventory with credentials. Admin-only.
-- =============================================================================================
create or replace trigger update_account_container_updated_at
  before update on public.account_container
  for each row execute function ffx_internal.update_updated_at_column();

revoke all on table public.account_container from public, anon, authenticated, service_role;
grant select, insert, update, delete on table public.account_container to authenticated;
-- service_role reads only: the backend writes it through SECURITY DEFINER functions (docs/DATA_API.md)
grant select on table public.account_container to service_role;

drop policy if exists "Admins can manage account inventory" on public.account_container;
create policy "Admins can manage account inventory" on public.account_container
  for all to authenticated
  using ((select ffx_internal.is_admin()))
  with check ((select ffx_internal.is_admin()));

-- Stock levels for callers without access to account_container: counts only, never credentials.
create or replace function public.get_available_accounts_count()
returns table (account_size integer, platform_type text, available_count bigint)
language sql
stable
security definer
set search_path = ''
as $$
  select c.account_size,
         c.platform_type,
         count(*) filter (where c.status = 'available')
    from public.account_container c
   group by c.account_size, c.platform_type
   order by c.account_size, c.platform_type
$$;
revoke all on function public.get_available_accounts_count() from public, anon, authenticated, service_role;
grant execute on function public.get_available_accounts_count() to authenticated, service_role;

-- =============================================================================================
-- delivered_accounts: one per order and per inventory row
-- =============================================================================================
create or replace trigger update_delivered_accounts_updated_at
  before update on public.delivered_accounts
  for each row execute function ffx_internal.update_updated_at_column();

revoke all on table public.delivered_accounts from public, anon, authenticated, service_role;
grant select, insert, update, delete on table public.delivered_accounts to authenticated;
-- service_role reads only: the backend writes it through SECURITY DEFINER functions (docs/DATA_API.md)
grant select on table public.delivered_accounts to service_role;

drop policy if exists "Users can view own delivered accounts" on public.delivered_accounts;
create policy "Users can view own delivered accounts" on public.delivered_accounts
  for select to authenticated
  using ((select auth.uid()) = user_id);

drop policy if exists "Admins can manage all delivered accounts" on public.delivered_accounts;
create policy "Admins can manage all delivered accounts" on public.delivered_accounts
  for all to authenticated
  using ((select ffx_internal.is_admin()))
  with check ((select ffx_internal.is_admin()));

-- =============================================================================================
-- Delivery
-- =============================================================================================
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
create or replace function ffx_internal.deliver_account_unchecked(p_order_id text, p_user_id uuid, p_reason text)
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

comment on function ffx_internal.deliver_account_unchecked(text, uuid, text) is
  'The delivery itself (owner only); reached only through deliver_account_core, which checks the customer.';
revoke all on function ffx_internal.deliver_account_unchecked(text, uuid, text) from public, anon, authenticated, service_role;

create or replace function ffx_internal.deliver_account_core(p_order_id text, p_user_id uuid, p_reason text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  if not ffx_internal.customer_is_active(p_user_id)
     and not exists (select 1 from public.delivered_accounts d where d.order_id = p_order_id) then
    return jsonb_build_object('success', false, 'error', 'Customer account is not active',
                              'order_id', p_order_id);
  end if;
  return ffx_internal.deliver_account_unchecked(p_order_id, p_user_id, p_reason);
end
$$;

comment on function ffx_internal.deliver_account_core(text, uuid, text) is
  'Delivery logic without a caller check (owner only): refuses banned or suspended customers, then deliver_account_unchecked.';
revoke all on function ffx_internal.deliver_account_core(text, uuid, text) from public, anon, authenticated, service_role;

-- deliver_account_to_user(order, user): the seed's function, for the admin console and the
-- backend. Admins (app_metadata.role claim) and service_role; anyone else: FF403 Unauthorized.
create or replace function ffx_internal.deliver_account_to_user(p_order_id text, p_user_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_admin boolean := ffx_internal.is_admin();
begin
  perform ffx_internal.require_admin_or_service();
  return ffx_internal.deliver_account_core(p_order_id, p_user_id, case when v_admin then 'admin' else 'service' end);
end
$$;

comment on function ffx_internal.deliver_account_to_user(text, uuid) is
  'Deliver one inventory account to a paid order (idempotent). Admins and service_role only.';
revoke all on function ffx_internal.deliver_account_to_user(text, uuid) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.deliver_account_to_user(text, uuid) to authenticated, service_role;

-- deliver_waiting_core(size, platform, reason): deliver paid orders waiting for stock, oldest
-- first (paid_at, then created_at), while stock of their size and platform lasts. NULL = any.
-- Orders another transaction holds are skipped (FOR UPDATE SKIP LOCKED), never waited for. Each
-- delivery runs in its own subtransaction: one that fails (logged as a WARNING) leaves its order
-- waiting and does not stop the others or the statement that added the stock. Returns how many
-- orders it delivered.
create or replace function ffx_internal.deliver_waiting_core(p_account_size integer, p_platform_type text, p_reason text)
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
        v_res := ffx_internal.deliver_account_core(v_order.order_id, v_order.user_id, p_reason);
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

comment on function ffx_internal.deliver_waiting_core(integer, text, text) is
  'Deliver paid orders waiting for stock, oldest first, while stock lasts (owner only; see deliver_waiting_orders).';
revoke all on function ffx_internal.deliver_waiting_core(integer, text, text) from public, anon, authenticated, service_role;

create or replace function ffx_internal.deliver_waiting_orders(p_account_size integer default null, p_platform_type text default null)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_admin boolean := ffx_internal.is_admin();
begin
  perform ffx_internal.require_admin_or_service();
  return ffx_internal.deliver_waiting_core(p_account_size, p_platform_type,
                                     case when v_admin then 'admin_deliver_waiting' else 'deliver_waiting' end);
end
$$;

comment on function ffx_internal.deliver_waiting_orders(integer, text) is
  'Deliver paid orders waiting for stock (optionally of one size/platform), oldest paid first; returns how many. Admins and service_role.';
revoke all on function ffx_internal.deliver_waiting_orders(integer, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.deliver_waiting_orders(integer, text) to authenticated, service_role;

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
create or replace function ffx_internal.account_container_stock_arrived()
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
      perform ffx_internal.deliver_waiting_core(pair.account_size, pair.platform_type, 'stock_arrival');
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
      perform ffx_internal.deliver_waiting_core(pair.account_size, pair.platform_type, 'stock_arrival');
    end loop;
  end if;
  return null;
end
$$;
revoke all on function ffx_internal.account_container_stock_arrived() from public, anon, authenticated, service_role;

create or replace trigger account_container_stock_arrived_insert
  after insert on public.account_container
  referencing new table as new_rows
  for each statement execute function ffx_internal.account_container_stock_arrived();

create or replace trigger account_container_stock_arrived_update
  after update on public.account_container
  referencing old table as old_rows new table as new_rows
  for each statement execute function ffx_internal.account_container_stock_arrived();

-- Paid orders waiting for stock (admins and the backend; a customer's RLS would show own rows,
-- the view filters them out on top). security_invoker: the caller's RLS applies.
create or replace view public.orders_waiting_for_stock
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
   and ((select ffx_internal.is_admin()) or coalesce((select auth.role()), 'service_role') = 'service_role');

comment on view public.orders_waiting_for_stock is
  'Paid orders waiting for an account, with their age and place in the queue of their size/platform (admins).';

revoke all on table public.orders_waiting_for_stock from public, anon, authenticated, service_role;
grant select on table public.orders_waiting_for_stock to authenticated, service_role;
