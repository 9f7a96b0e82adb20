--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: auth; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA auth;


--
-- Name: ffx_internal; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA ffx_internal;


--
-- Name: SCHEMA ffx_internal; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA ffx_internal IS 'Functions the Data API must not serve (docs/DATA_API.md); never in PostgREST''s db-schemas.';


--
-- Name: email(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.email() RETURNS text
    LANGUAGE sql STABLE
    AS $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;


--
-- Name: FUNCTION email(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.email() IS 'Deprecated. Use auth.jwt() -> ''email'' instead.';


--
-- Name: jwt(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
  select
    coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;


--
-- Name: role(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.role() RETURNS text
    LANGUAGE sql STABLE
    AS $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;


--
-- Name: FUNCTION role(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.role() IS 'Deprecated. Use auth.jwt() -> ''role'' instead.';


--
-- Name: uid(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;


--
-- Name: FUNCTION uid(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.uid() IS 'Deprecated. Use auth.jwt() -> ''sub'' instead.';


--
-- Name: account_container_stock_arrived(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.account_container_stock_arrived() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: admin_audit_log_refuse_change(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_audit_log_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_erasing text := nullif(pg_catalog.current_setting('ffx.erasing_user', true), '');
begin
  if tg_op = 'UPDATE' and v_erasing is not null then
    if exists (select 1 from auth.users u where u.id::text = v_erasing)
       and (new.id, new.admin_id, new.action_type, new.table_name, new.record_id, new.created_at)
           is not distinct from (old.id, old.admin_id, old.action_type, old.table_name, old.record_id, old.created_at) then
      return new;
    end if;
  end if;
  raise exception 'admin_audit_log is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end
$$;


--
-- Name: admin_audit_log_stamp(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_audit_log_stamp() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  new.created_at := now();
  return new;
end
$$;


--
-- Name: admin_cli_audit(text, text, text, text, jsonb, jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_cli_audit(p_action text, p_table text, p_record text, p_description text, p_old jsonb, p_new jsonb) RETURNS void
    LANGUAGE sql
    SET search_path TO ''
    AS $$
  insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                      description, old_values, new_values)
  values (auth.uid(),
          coalesce(auth.jwt() ->> 'email', 'operator:' || coalesce(auth.jwt() ->> 'operator', 'unknown')),
          p_action, p_table, p_record, p_description, p_old,
          coalesce(p_new, '{}'::jsonb) || jsonb_build_object('operator', auth.jwt() ->> 'operator'))
$$;


--
-- Name: admin_cli_check(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_cli_check(p_reason text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: admin_cli_require_reason(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_cli_require_reason(p_reason text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
begin
  perform ffx_internal.admin_cli_check(p_reason);
  if p_reason is null then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
end
$$;


--
-- Name: admin_identity(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_identity(p_email text) RETURNS TABLE(id uuid, email text, app_metadata jsonb, user_metadata jsonb)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform ffx_internal.require_service_role();
  return query
    select u.id, u.email::text, coalesce(u.raw_app_meta_data, '{}'::jsonb), coalesce(u.raw_user_meta_data, '{}'::jsonb)
      from auth.users u
     where lower(u.email) = lower(p_email) and u.deleted_at is null;
end
$$;


--
-- Name: admin_inventory_import(jsonb, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_inventory_import(p_rows jsonb, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: admin_inventory_set_status(uuid, text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_inventory_set_status(p_id uuid, p_status text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: admin_inventory_stage(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_inventory_stage(p_rows jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: admin_ipn_reprocess(bigint, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_ipn_reprocess(p_event_id bigint, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: admin_login_redeem(uuid, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_login_redeem(p_link_id uuid, p_secret text) RETURNS TABLE(user_id uuid, email text, role text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION admin_login_redeem(p_link_id uuid, p_secret text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.admin_login_redeem(p_link_id uuid, p_secret text) IS 'Exchange a one-time sign-in link (service_role only): the staff member, or FF401.';


--
-- Name: admin_order_accept_payment(text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_order_accept_payment(p_order_id text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION admin_order_accept_payment(p_order_id text, p_reason text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.admin_order_accept_payment(p_order_id text, p_reason text) IS 'Operator: accept the money of a held order (needs_attention a hold reason), audited, then deliver. Admins and service_role.';


--
-- Name: admin_order_clear_attention(text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_order_clear_attention(p_order_id text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION admin_order_clear_attention(p_order_id text, p_reason text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.admin_order_clear_attention(p_order_id text, p_reason text) IS 'ffx-admin orders clear-attention: clear an order''s needs_attention with a reason, audited. Admins and service_role.';


--
-- Name: admin_order_deliver(text, text, boolean); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_order_deliver(p_order_id text, p_reason text, p_force boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION admin_order_deliver(p_order_id text, p_reason text, p_force boolean); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.admin_order_deliver(p_order_id text, p_reason text, p_force boolean) IS 'Operator: deliver a paid order (or, with force and a reason, an unpaid one), audited. Admins and service_role.';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: orders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orders (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    order_id text NOT NULL,
    user_id uuid,
    account_type text NOT NULL,
    account_size integer NOT NULL,
    platform_type text NOT NULL,
    amount numeric(12,2) NOT NULL,
    discount_code text,
    discount_amount numeric(12,2) DEFAULT 0 NOT NULL,
    final_amount numeric(12,2) NOT NULL,
    order_status text DEFAULT 'pending'::text NOT NULL,
    payment_status text DEFAULT 'pending'::text NOT NULL,
    delivery_status text DEFAULT 'pending'::text NOT NULL,
    payment_provider text DEFAULT 'nowpayments'::text NOT NULL,
    payment_provider_id text,
    invoice_id text,
    crypto_currency text,
    crypto_amount numeric,
    crypto_address text,
    paid_at timestamp with time zone,
    delivered_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    invoice_url text,
    pay_currency text,
    needs_attention text,
    attention_detail jsonb,
    CONSTRAINT orders_account_size_check CHECK ((account_size > 0)),
    CONSTRAINT orders_account_type_check CHECK ((account_type = ANY (ARRAY['instant'::text, 'hft'::text, 'one_step'::text, 'two_step'::text]))),
    CONSTRAINT orders_amount_check CHECK ((amount >= (0)::numeric)),
    CONSTRAINT orders_delivery_status_check CHECK ((delivery_status = ANY (ARRAY['pending'::text, 'delivered'::text, 'failed'::text]))),
    CONSTRAINT orders_discount_amount_check CHECK ((discount_amount >= (0)::numeric)),
    CONSTRAINT orders_final_amount_check CHECK ((final_amount >= (0)::numeric)),
    CONSTRAINT orders_needs_attention_check CHECK ((needs_attention = ANY (ARRAY['partially_paid'::text, 'underpaid'::text, 'overpaid'::text, 'wrong_currency'::text, 'price_mismatch'::text, 'customer_blocked'::text, 'second_payment_refund_review'::text]))),
    CONSTRAINT orders_order_id_format CHECK ((order_id ~ '^FFX[0-9]{9}$'::text)),
    CONSTRAINT orders_order_status_check CHECK ((order_status = ANY (ARRAY['pending'::text, 'processing'::text, 'completed'::text, 'failed'::text, 'cancelled'::text, 'refunded'::text]))),
    CONSTRAINT orders_payment_status_check CHECK ((payment_status = ANY (ARRAY['pending'::text, 'paid'::text, 'failed'::text, 'refunded'::text]))),
    CONSTRAINT orders_platform_type_check CHECK ((platform_type = ANY (ARRAY['mt4'::text, 'mt5'::text])))
);


--
-- Name: COLUMN orders.order_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.orders.order_id IS 'FFX + 9 digits; always set by trigger orders_set_order_id on insert and immutable afterwards.';


--
-- Name: COLUMN orders.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.orders.user_id IS 'The customer; NULL once the customer was deleted from auth (the order stays as a financial record).';


--
-- Name: COLUMN orders.invoice_url; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.orders.invoice_url IS 'NOWPayments hosted checkout link of invoice_id; set by crypto_payment_record().';


--
-- Name: COLUMN orders.pay_currency; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.orders.pay_currency IS 'NOWPayments pay_currency of the newest payment created for the order.';


--
-- Name: COLUMN orders.needs_attention; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.orders.needs_attention IS 'Why an admin must look at this order (NULL: nothing). Holds (nothing delivered): partially_paid, underpaid, wrong_currency, price_mismatch, customer_blocked. Delivered: overpaid (excess to refund or keep). second_payment_refund_review: money that did not pay the order.';


--
-- Name: COLUMN orders.attention_detail; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.orders.attention_detail IS 'What an operator needs about needs_attention: the verdict, asked and received amounts per payment, currency, tolerance. Set by payment_apply().';


--
-- Name: admin_order_for_update(text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_order_for_update(p_order_id text, p_reason text) RETURNS public.orders
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: admin_order_refund(text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_order_refund(p_order_id text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION admin_order_refund(p_order_id text, p_reason text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.admin_order_refund(p_order_id text, p_reason text) IS 'ffx-admin orders refund: record a refund made outside the backend; the order becomes refunded, its account suspended, audited. Admins and service_role.';


--
-- Name: admin_report_conversion(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_report_conversion() RETURNS TABLE(orders bigint, paid bigint, delivered bigint, failed bigint, refunded bigint, paid_pct numeric)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: admin_report_products(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_report_products() RETURNS TABLE(account_type text, size integer, platform text, orders bigint, paid bigint, revenue numeric)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: admin_report_revenue(integer); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_report_revenue(p_days integer) RETURNS TABLE(day date, paid_orders bigint, gross numeric, refunded_orders bigint, refunded numeric, net numeric)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: admin_resend_allowed(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_resend_allowed(p_order_id text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: admin_resend_email(text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_resend_email(p_order_id text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: admin_set_account_status(uuid, text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.admin_set_account_status(p_user_id uuid, p_status text, p_reason text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  old_status text;
begin
  if not ffx_internal.is_admin() then
    raise exception 'admin only' using errcode = 'insufficient_privilege';
  end if;

  select p.account_status into old_status
    from public.user_profiles p
   where p.id = p_user_id
   for update;
  if not found then
    raise exception 'user profile % not found', p_user_id using errcode = 'no_data_found';
  end if;

  update public.user_profiles set account_status = p_status where id = p_user_id;

  insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                      description, old_values, new_values)
  values (auth.uid(), auth.jwt() ->> 'email', 'update_account_status', 'user_profiles', p_user_id::text,
          p_reason,
          jsonb_build_object('account_status', old_status),
          jsonb_build_object('account_status', p_status));
end
$$;


--
-- Name: check_payment_status(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.check_payment_status(p_order_id text, OUT owner uuid, OUT order_doc jsonb, OUT payment_doc jsonb, OUT payment_id text, OUT payment_status text, OUT payment_age_s bigint) RETURNS record
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
begin
  select o.user_id,
         jsonb_build_object(
           'order_id',        o.order_id,
           'order_status',    o.order_status,
           'payment_status',  o.payment_status,
           'delivery_status', o.delivery_status,
           'account_type',    o.account_type,
           'account_size',    o.account_size,
           'platform_type',   o.platform_type,
           'amount',          o.amount,
           'final_amount',    o.final_amount,
           'crypto_currency', o.crypto_currency,
           'crypto_amount',   o.crypto_amount,
           'crypto_address',  o.crypto_address,
           'created_at',      to_char(o.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'updated_at',      to_char(o.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
         case when p.id is null then null else jsonb_build_object(
           'payment_id',      p.payment_id,
           'payment_status',  p.payment_status,
           'pay_address',     p.pay_address,
           'pay_amount',      p.pay_amount,
           'actually_paid',   p.actually_paid,
           'pay_currency',    p.pay_currency,
           'order_id',        p.order_id,
           'created_at',      to_char(coalesce(p.provider_created_at, p.created_at) at time zone 'UTC',
                                      'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'updated_at',      to_char(coalesce(p.provider_updated_at, p.updated_at) at time zone 'UTC',
                                      'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) end,
         p.payment_id, p.payment_status, extract(epoch from now() - p.updated_at)::bigint
    into owner, order_doc, payment_doc, payment_id, payment_status, payment_age_s
    from public.orders o
    left join lateral (
           select pm.id, pm.payment_id, pm.payment_status, pm.pay_address, pm.pay_amount,
                  pm.actually_paid, pm.pay_currency, pm.order_id, pm.provider_created_at,
                  pm.provider_updated_at, pm.created_at, pm.updated_at
             from public.payments pm
            where pm.order_id = o.order_id
            order by pm.provider_created_at desc nulls last, pm.created_at desc, pm.id desc
            limit 1
         ) p on true
   where o.order_id = p_order_id;
end
$$;


--
-- Name: FUNCTION check_payment_status(p_order_id text, OUT owner uuid, OUT order_doc jsonb, OUT payment_doc jsonb, OUT payment_id text, OUT payment_status text, OUT payment_age_s bigint); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.check_payment_status(p_order_id text, OUT owner uuid, OUT order_doc jsonb, OUT payment_doc jsonb, OUT payment_id text, OUT payment_status text, OUT payment_age_s bigint) IS 'check-payment-status: owner, order and newest-payment documents, that payment''s id, status and age in seconds.';


--
-- Name: console(text, jsonb, boolean); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console(p_action text, p_args jsonb DEFAULT '{}'::jsonb, p_read_only boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: FUNCTION console(p_action text, p_args jsonb, p_read_only boolean); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.console(p_action text, p_args jsonb, p_read_only boolean) IS 'The operator console''s one entry point: checks the staff role, then runs console_<action>(args).';


--
-- Name: console_actions(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_actions() RETURNS TABLE(action text, capability text, summary text)
    LANGUAGE sql IMMUTABLE
    AS $$
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


--
-- Name: FUNCTION console_actions(); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.console_actions() IS 'Every console action with its capability (staff_may) and a one-line summary.';


--
-- Name: console_actor_key(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_actor_key() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select coalesce(auth.uid()::text, 'operator:' || coalesce(auth.jwt() ->> 'operator', 'unknown'))
$$;


--
-- Name: console_actor_name(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_actor_name() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select coalesce(auth.jwt() ->> 'email', 'operator:' || coalesce(auth.jwt() ->> 'operator', 'unknown'))
$$;


--
-- Name: console_amount(jsonb, text, boolean); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_amount(p_args jsonb, p_name text, p_required boolean DEFAULT false) RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
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
$_$;


--
-- Name: console_arg(jsonb, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_arg(p_args jsonb, p_name text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
  select nullif(case pg_catalog.jsonb_typeof(p_args -> p_name)
                  when 'string' then p_args ->> p_name
                  when 'number' then p_args ->> p_name
                  when 'boolean' then p_args ->> p_name
                end, '')
$$;


--
-- Name: console_arg_check_scalar(jsonb, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_arg_check_scalar(p_args jsonb, p_name text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  if pg_catalog.jsonb_typeof(p_args -> p_name) in ('object', 'array') then
    raise exception using errcode = 'FF400', message = pg_catalog.format('%s must be a single value', p_name);
  end if;
end
$$;


--
-- Name: console_attention(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_attention() RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: console_audit_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_audit_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: console_bool(jsonb, text, boolean); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_bool(p_args jsonb, p_name text, p_default boolean DEFAULT NULL::boolean) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE
    AS $$
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


--
-- Name: console_checkout_get(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_checkout_get(p_args jsonb) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select pg_catalog.jsonb_build_object('paused', s.checkout_paused, 'message', s.checkout_pause_message,
                                       'changed_by', s.checkout_paused_by, 'changed_at', s.checkout_paused_at)
    from public.order_settings s where s.id
$$;


--
-- Name: console_checkout_pause(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_checkout_pause(p_args jsonb) RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select ffx_internal.console_checkout_set(true, ffx_internal.console_text(p_args, 'message', true),
                                           ffx_internal.console_reason(p_args))
$$;


--
-- Name: console_checkout_resume(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_checkout_resume(p_args jsonb) RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select ffx_internal.console_checkout_set(false, null, ffx_internal.console_reason(p_args))
$$;


--
-- Name: console_checkout_set(boolean, text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_checkout_set(p_paused boolean, p_message text, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: console_coins_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_coins_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_coins_set(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_coins_set(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: console_credentials_reveal(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_credentials_reveal(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_csv_field(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_csv_field(p_value text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select case when p_value ~ '[",\r\n]' then '"' || pg_catalog.replace(p_value, '"', '""') || '"'
              else coalesce(p_value, '') end
$$;


--
-- Name: console_csv_line(text[]); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_csv_line(p_fields text[]) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select pg_catalog.string_agg(ffx_internal.console_csv_field(f), ',' order by n)
    from pg_catalog.unnest(p_fields) with ordinality as u (f, n)
$$;


--
-- Name: console_customers_get(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_customers_get(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_customers_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_customers_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_customers_set_email(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_customers_set_email(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: console_customers_set_status(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_customers_set_status(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_dashboard_get(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_dashboard_get(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_deliveries_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_deliveries_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_deliveries_set_status(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_deliveries_set_status(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_discounts_create(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_discounts_create(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_discounts_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_discounts_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_discounts_update(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_discounts_update(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_discounts_uses(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_discounts_uses(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_enum(jsonb, text, text[], text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_enum(p_args jsonb, p_name text, p_allowed text[], p_default text DEFAULT NULL::text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
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


--
-- Name: ipn_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ipn_events (
    id bigint NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    dedupe_key text NOT NULL,
    payment_id text NOT NULL,
    payment_status text NOT NULL,
    order_id text,
    parent_payment_id text,
    invoice_id text,
    payload jsonb NOT NULL,
    signature text,
    state text DEFAULT 'pending'::text NOT NULL,
    matched_order_id text,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    processed_at timestamp with time zone,
    next_retry_at timestamp with time zone,
    CONSTRAINT ipn_events_signature_check CHECK ((signature = ANY (ARRAY['raw'::text, 'canonical'::text]))),
    CONSTRAINT ipn_events_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'processed'::text, 'unmatched'::text, 'failed'::text])))
);


--
-- Name: TABLE ipn_events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.ipn_events IS 'Inbox of NOWPayments IPNs: stored by ipn_receive() (unique dedupe_key) before payment_apply(); failed/unmatched ones are re-run by ipn_reprocess().';


--
-- Name: COLUMN ipn_events.next_retry_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.ipn_events.next_retry_at IS 'The reconciler re-runs this failed/unmatched event no earlier than this (NULL: at once).';


--
-- Name: console_event_brief(public.ipn_events); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_event_brief(e public.ipn_events) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select pg_catalog.to_jsonb(e) - 'payload' - 'signature' - 'dedupe_key'
         || pg_catalog.jsonb_build_object(
              'dismissed', (select pg_catalog.jsonb_build_object('reason', d.reason, 'by', d.dismissed_by,
                                                                 'at', d.dismissed_at)
                              from ffx_internal.ipn_event_dismissals d where d.event_id = e.id))
$$;


--
-- Name: console_event_locked(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_event_locked(p_args jsonb) RETURNS public.ipn_events
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: console_events_dismiss(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_events_dismiss(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_events_get(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_events_get(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_events_link(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_events_link(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_events_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_events_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_events_reprocess(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_events_reprocess(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_export_finance(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_export_finance(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: console_finance_lines(timestamp with time zone, timestamp with time zone, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_finance_lines(p_from timestamp with time zone, p_to timestamp with time zone, p_kind text) RETURNS TABLE(at timestamp with time zone, line text)
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: console_int(jsonb, text, integer, integer, integer); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_int(p_args jsonb, p_name text, p_default integer, p_min integer, p_max integer) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
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
$_$;


--
-- Name: console_inventory_import(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_inventory_import(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: console_inventory_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_inventory_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_inventory_set_status(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_inventory_set_status(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_inventory_stock(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_inventory_stock(p_args jsonb) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_inventory_update(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_inventory_update(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_lock_down(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_lock_down() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: console_login_links_create(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_login_links_create(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_me_get(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_me_get(p_args jsonb) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_settings; Type: TABLE; Schema: ffx_internal; Owner: -
--

CREATE TABLE ffx_internal.console_settings (
    id boolean DEFAULT true NOT NULL,
    refund_approval_threshold numeric(12,2) DEFAULT 500 NOT NULL,
    low_stock_threshold integer DEFAULT 3 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by text,
    CONSTRAINT console_settings_low_stock CHECK (((low_stock_threshold >= 0) AND (low_stock_threshold <= 100000))),
    CONSTRAINT console_settings_one_row CHECK (id),
    CONSTRAINT console_settings_refund_threshold CHECK ((refund_approval_threshold >= (0)::numeric))
);


--
-- Name: TABLE console_settings; Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON TABLE ffx_internal.console_settings IS 'The console''s thresholds (settings.get / settings.set): refund approval (USD), low stock (accounts).';


--
-- Name: console_money_settings(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_money_settings() RETURNS ffx_internal.console_settings
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select s from ffx_internal.console_settings s where s.id
$$;


--
-- Name: console_order_brief(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_order_brief(p_order_id text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: console_order_id(jsonb, text, boolean); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_order_id(p_args jsonb, p_name text DEFAULT 'order_id'::text, p_required boolean DEFAULT true) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
declare
  v text := pg_catalog.upper(ffx_internal.console_text(p_args, p_name, p_required));
begin
  if v is not null and v !~ '^FFX[0-9]{9}$' then
    raise exception using errcode = 'FF400', message = pg_catalog.format('%s must look like FFX123456789', p_name);
  end if;
  return v;
end
$_$;


--
-- Name: console_order_locked(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_order_locked(p_args jsonb) RETURNS public.orders
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: console_orders_accept_payment(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_orders_accept_payment(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_orders_cancel(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_orders_cancel(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_orders_clear_attention(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_orders_clear_attention(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_orders_deliver(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_orders_deliver(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_orders_get(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_orders_get(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_orders_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_orders_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_orders_record_payment(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_orders_record_payment(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: console_orders_refund(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_orders_refund(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_orders_resend_email(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_orders_resend_email(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_page(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_page(p_args jsonb, OUT lim integer, OUT off integer) RETURNS record
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  lim := ffx_internal.console_int(p_args, 'limit', 50, 1, 500);
  off := ffx_internal.console_int(p_args, 'offset', 0, 0, 100000000);
end
$$;


--
-- Name: console_pricing_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_pricing_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_pricing_set(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_pricing_set(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_reason(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_reason(p_args jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
declare
  v text := ffx_internal.console_text(p_args, 'reason');
begin
  if v is null then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
  return v;
end
$$;


--
-- Name: console_refund_carry_out(public.orders, numeric, text, text, jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_refund_carry_out(o public.orders, p_amount numeric, p_reason text, p_action text, p_extra jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: console_refund_check(public.orders, numeric); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_refund_check(o public.orders, p_amount numeric) RETURNS numeric
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: refund_requests; Type: TABLE; Schema: ffx_internal; Owner: -
--

CREATE TABLE ffx_internal.refund_requests (
    id bigint NOT NULL,
    order_id text NOT NULL,
    amount numeric(12,2) NOT NULL,
    full_refund boolean NOT NULL,
    reason text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    requested_by_key text NOT NULL,
    requested_by text NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL,
    decided_by_key text,
    decided_by text,
    decided_at timestamp with time zone,
    decision_reason text,
    CONSTRAINT refund_requests_amount CHECK ((amount > (0)::numeric)),
    CONSTRAINT refund_requests_decided CHECK (((status = 'pending'::text) = (decided_at IS NULL))),
    CONSTRAINT refund_requests_status CHECK ((status = ANY (ARRAY['pending'::text, 'approved'::text, 'rejected'::text])))
);


--
-- Name: TABLE refund_requests; Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON TABLE ffx_internal.refund_requests IS 'Refunds above console_settings.refund_approval_threshold, waiting for (or decided by) a second admin.';


--
-- Name: console_refund_request_locked(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_refund_request_locked(p_args jsonb) RETURNS ffx_internal.refund_requests
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: console_refundable(public.orders); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_refundable(o public.orders) RETURNS numeric
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select case when o.payment_status = 'paid'
              then greatest(o.final_amount - ffx_internal.order_refunded_manually(o.order_id), 0)
              else 0 end
$$;


--
-- Name: console_refunds_approve(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_refunds_approve(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_refunds_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_refunds_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_refunds_reject(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_refunds_reject(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_revenue(timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_revenue(p_from timestamp with time zone, p_to timestamp with time zone) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select pg_catalog.jsonb_build_object(
           'from', p_from, 'to', p_to, 'paid_orders', count(*),
           'gross', coalesce(sum(o.final_amount), 0),
           'refunded', coalesce(sum(ffx_internal.order_refunded_usd(o)), 0),
           'net', coalesce(sum(o.final_amount - ffx_internal.order_refunded_usd(o)), 0))
    from public.orders o
   where o.paid_at >= p_from and o.paid_at < p_to
$$;


--
-- Name: console_rules_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_rules_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_rules_set(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_rules_set(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_settings_get(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_settings_get(p_args jsonb) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select pg_catalog.jsonb_build_object('settings', pg_catalog.to_jsonb(s) - 'id')
    from ffx_internal.console_settings s where s.id
$$;


--
-- Name: console_settings_set(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_settings_set(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_staff_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_staff_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_staff_set_role(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_staff_set_role(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_templates_list(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_templates_list(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_templates_preview(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_templates_preview(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_templates_set(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_templates_set(p_args jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: console_text(jsonb, text, boolean); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_text(p_args jsonb, p_name text, p_required boolean DEFAULT false) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
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


--
-- Name: console_time(jsonb, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_time(p_args jsonb, p_name text) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    AS $_$
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
$_$;


--
-- Name: console_uuid(jsonb, text, boolean); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.console_uuid(p_args jsonb, p_name text, p_required boolean DEFAULT false) RETURNS uuid
    LANGUAGE plpgsql IMMUTABLE
    AS $_$
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
$_$;


--
-- Name: crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text, text, integer); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.crypto_payment_begin(p_order_id text, p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_amount numeric, p_final_amount numeric, p_crypto_currency text, p_holder text, p_budget_ms integer) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_coin     text;
  v_status   text;
  v_open     jsonb;
  v_token    uuid := gen_random_uuid();
  v_previous text;
  v_pause    text;
  o          public.orders%rowtype;
begin
  select m.provider_code into v_coin
    from public.crypto_currency_map m
   where m.code = p_crypto_currency and m.active;
  if not found then
    raise exception using errcode = 'FF400',
      message = 'Unsupported currency: ' || coalesce(p_crypto_currency, '');
  end if;

  -- the caller check comes first so that nobody can lock another user's order
  if not ffx_internal.may_act_for(p_user_id) then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;

  -- the seed's "payment system outage" procedure (console checkout.pause): no new payment, not even
  -- an open one handed back, while an operator has paused checkout; status checks, IPNs and
  -- deliveries go on. Here, in the statement the function runs first, it costs no round trip.
  select s.checkout_pause_message into v_pause from public.order_settings s where s.id and s.checkout_paused;
  if found then
    raise exception using errcode = 'FF503', message = v_pause;
  end if;

  select * into o
    from public.orders x
   where x.order_id = p_order_id and x.user_id = p_user_id
     for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;

  -- a banned or suspended customer pays for nothing more (an admin acting for them neither)
  select up.account_status into v_status from public.user_profiles up where up.id = o.user_id;
  if v_status is distinct from 'active' then
    raise exception using errcode = 'FF403', message = 'Account is suspended or banned';
  end if;

  -- field names as in the request body
  if p_account_type is distinct from o.account_type then
    raise exception using errcode = 'FF400', message = 'Order mismatch: accountType';
  end if;
  if p_account_size is distinct from o.account_size then
    raise exception using errcode = 'FF400', message = 'Order mismatch: accountSize';
  end if;
  if p_platform_type is distinct from o.platform_type then
    raise exception using errcode = 'FF400', message = 'Order mismatch: platformType';
  end if;
  if p_amount is distinct from o.amount then
    raise exception using errcode = 'FF400', message = 'Order mismatch: amount';
  end if;
  if p_final_amount is distinct from o.final_amount then
    raise exception using errcode = 'FF400', message = 'Order mismatch: finalAmount';
  end if;

  -- reuse comes before the payable state on purpose: the first IPN ("waiting") already moves the
  -- order to processing/pending, and a retry must still get its open payment back
  v_open := ffx_internal.crypto_payment_open(o.order_id, v_coin);
  if v_open is not null then
    return jsonb_build_object('action', 'reuse', 'invoice_url', o.invoice_url, 'payment', v_open);
  end if;

  if not (o.order_status = 'pending' and o.payment_status = 'pending' and o.delivery_status = 'pending') then
    raise exception using errcode = 'FF400', message = 'Order is not in a payable state';
  end if;
  -- a 100 % discount: NOWPayments cannot take 0 USD
  if o.final_amount <= 0 then
    raise exception using errcode = 'FF400', message = 'Order has nothing to pay';
  end if;

  if p_holder is null or char_length(p_holder) not between 1 and 200 then
    raise exception 'crypto_payment_begin: p_holder must be 1 to 200 characters'
      using errcode = 'invalid_parameter_value';
  end if;
  if p_budget_ms is null or p_budget_ms not between 1000 and 600000 then
    raise exception 'crypto_payment_begin: p_budget_ms must be between 1000 and 600000'
      using errcode = 'invalid_parameter_value';
  end if;

  -- somebody is at NOWPayments for this coin, or creating the order's invoice: wait
  perform 1
    from public.payment_reservations rv
   where rv.order_id = o.order_id
     and (rv.pay_currency = v_coin or o.invoice_id is null)
     and rv.expires_at > now();
  if found then
    return jsonb_build_object('action', 'wait');
  end if;

  -- the code's use is held before anybody is asked for a payment (idempotent per order)
  perform ffx_internal.discount_hold_take(o.order_id);

  -- Take it. Whatever is left for this coin (or, while the invoice is to be created, for the
  -- order) has expired: its holder crashed or stalled, and its token stops counting here.
  select string_agg(rv.holder, ', ' order by rv.reserved_at) into v_previous
    from public.payment_reservations rv
   where rv.order_id = o.order_id and (rv.pay_currency = v_coin or o.invoice_id is null);
  delete from public.payment_reservations rv
   where rv.order_id = o.order_id and (rv.pay_currency = v_coin or o.invoice_id is null);
  insert into public.payment_reservations (order_id, pay_currency, token, holder, actor_id, actor_email,
                                           actor_role, creates_invoice, reserved_at, expires_at)
  values (o.order_id, v_coin, v_token, p_holder, auth.uid(), auth.jwt() ->> 'email',
          coalesce(auth.role(), 'unknown'), o.invoice_id is null, now(),
          now() + make_interval(secs => p_budget_ms / 1000.0 + 5));

  return jsonb_build_object(
    'action',            'create',
    'token',             v_token,
    'pay_currency',      v_coin,
    'price_amount',      to_char(o.final_amount, 'FM999999999990.00'),
    'price_currency',    'usd',
    -- null: create the invoice first; otherwise a new payment on the existing invoice
    'invoice_id',        o.invoice_id,
    'order_description', format('FlashFundX %s %s %s', o.account_type, o.account_size, upper(o.platform_type)),
    'took_over',         v_previous is not null,
    'previous_holder',   v_previous);
end
$$;


--
-- Name: FUNCTION crypto_payment_begin(p_order_id text, p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_amount numeric, p_final_amount numeric, p_crypto_currency text, p_holder text, p_budget_ms integer); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.crypto_payment_begin(p_order_id text, p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_amount numeric, p_final_amount numeric, p_crypto_currency text, p_holder text, p_budget_ms integer) IS 'create-crypto-payment, step 1 (as the caller): check the order; {"action":"reuse",...}, {"action":"wait"} or a reservation {"action":"create","token",...}.';


--
-- Name: crypto_payment_open(text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.crypto_payment_open(p_order_id text, p_coin text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select jsonb_build_object(
           'payment_id',      pm.payment_id,
           'pay_address',     pm.pay_address,
           'pay_amount',      pm.pay_amount,
           'pay_currency',    pm.pay_currency,
           'expiration_date', coalesce(pm.raw ->> 'expiration_estimate_date', ''))
    from public.payments pm
   where pm.order_id = p_order_id
     and pm.provider = 'nowpayments'
     and pm.payment_status = 'waiting'
     and pm.pay_currency = p_coin
     and case
           when pm.raw ->> 'expiration_estimate_date' ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}'
             then (pm.raw ->> 'expiration_estimate_date')::timestamptz > now()
           else coalesce(pm.provider_created_at, pm.created_at) > now() - interval '20 minutes'
         end
   order by coalesce(pm.provider_created_at, pm.created_at) desc, pm.created_at desc, pm.id desc
   limit 1
$$;


--
-- Name: FUNCTION crypto_payment_open(p_order_id text, p_coin text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.crypto_payment_open(p_order_id text, p_coin text) IS 'The open (waiting, unexpired) NOWPayments payment of an order in a provider coin, as {payment_id, pay_address, pay_amount, pay_currency, expiration_date}; NULL if none. Owner only.';


--
-- Name: crypto_payment_record(text, uuid, jsonb, jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.crypto_payment_record(p_order_id text, p_token uuid, p_invoice jsonb, p_payment jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  o                public.orders%rowtype;
  rv               public.payment_reservations%rowtype;
  v_payment_id     text := nullif(btrim(p_payment ->> 'payment_id'), '');
  v_status         text := coalesce(nullif(btrim(p_payment ->> 'payment_status'), ''), 'waiting');
  v_coin           text := nullif(lower(btrim(p_payment ->> 'pay_currency')), '');
  v_pay_address    text := nullif(btrim(p_payment ->> 'pay_address'), '');
  v_pay_amount     numeric;
  v_price_amount   numeric;
  v_created_at     timestamptz;
  v_updated_at     timestamptz;
  v_invoice_id     text := nullif(btrim(p_invoice ->> 'id'), '');
  v_invoice_url    text := nullif(btrim(p_invoice ->> 'invoice_url'), '');
  v_raw            jsonb := p_payment -> 'raw';
  v_expiration     text := coalesce(p_payment ->> 'expiration_estimate_date',
                                    p_payment -> 'raw' ->> 'expiration_estimate_date', '');
  v_existing_order text;
  v_open           jsonb;
  v_reserved       boolean;
  v_new_payment    uuid;
begin
  perform ffx_internal.require_service_role();

  select * into o from public.orders x where x.order_id = p_order_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;

  -- the provider's answer must make sense (otherwise: 500, and the transaction rolls back)
  if jsonb_typeof(p_payment) is distinct from 'object' or v_payment_id is null or v_coin is null then
    raise exception 'crypto_payment_record: payment_id and pay_currency are required'
      using errcode = 'invalid_parameter_value';
  end if;
  -- SQL NULL or JSON null: no new invoice
  if p_invoice is not null and jsonb_typeof(p_invoice) <> 'null'
     and (jsonb_typeof(p_invoice) <> 'object' or v_invoice_id is null) then
    raise exception 'crypto_payment_record: the invoice needs an id'
      using errcode = 'invalid_parameter_value';
  end if;
  -- a freshly created payment is "waiting"; anything else here would record a status the
  -- provider never reported
  if v_status <> 'waiting' then
    raise exception 'crypto_payment_record: a new payment must be waiting, not %', v_status
      using errcode = 'invalid_parameter_value';
  end if;
  if coalesce(p_payment ->> 'order_id', p_order_id) <> p_order_id then
    raise exception 'crypto_payment_record: the payment is for order %, not %', p_payment ->> 'order_id', p_order_id
      using errcode = 'invalid_parameter_value';
  end if;

  select * into rv from public.payment_reservations x
   where x.order_id = o.order_id and x.token = p_token
     for update;
  v_reserved := found;
  if v_reserved and rv.pay_currency <> v_coin then
    raise exception 'crypto_payment_record: the payment is in %, the reservation in %', v_coin, rv.pay_currency
      using errcode = 'invalid_parameter_value';
  end if;
  v_open := ffx_internal.crypto_payment_open(o.order_id, v_coin);
  if not v_reserved
     or (v_invoice_id is not null and o.invoice_id is not null and o.invoice_id <> v_invoice_id)
     or (v_open is not null and v_open ->> 'payment_id' <> v_payment_id) then
    return jsonb_build_object('action', 'superseded', 'invoice_url', o.invoice_url,
                              'payment', coalesce(v_open, 'null'::jsonb));
  end if;

  if not (o.order_status = 'pending' and o.payment_status = 'pending' and o.delivery_status = 'pending') then
    raise exception using errcode = 'FF400', message = 'Order is not in a payable state';
  end if;
  if v_raw is null or jsonb_typeof(v_raw) <> 'object' then
    v_raw := '{}'::jsonb;
  end if;

  v_pay_amount   := nullif(btrim(p_payment ->> 'pay_amount'), '')::numeric;
  v_price_amount := nullif(btrim(p_payment ->> 'price_amount'), '')::numeric;
  v_created_at := case
                    when p_payment ->> 'created_at' ~ '^\d+$' then to_timestamp((p_payment ->> 'created_at')::numeric / 1000)
                    else nullif(btrim(p_payment ->> 'created_at'), '')::timestamptz
                  end;
  v_updated_at := case
                    when p_payment ->> 'updated_at' ~ '^\d+$' then to_timestamp((p_payment ->> 'updated_at')::numeric / 1000)
                    else nullif(btrim(p_payment ->> 'updated_at'), '')::timestamptz
                  end;

  update public.orders x
     set invoice_id          = coalesce(x.invoice_id, v_invoice_id, nullif(btrim(p_payment ->> 'invoice_id'), '')),
         invoice_url         = coalesce(x.invoice_url, v_invoice_url),
         payment_provider    = 'nowpayments',
         payment_provider_id = v_payment_id,
         crypto_currency     = v_coin,
         crypto_amount       = v_pay_amount,
         crypto_address      = v_pay_address,
         pay_currency        = v_coin
   where x.order_id = o.order_id
  returning * into o;

  insert into public.payments (provider, payment_id, order_id, user_id, invoice_id, payment_status,
                               pay_address, pay_amount, pay_currency, price_amount, price_currency,
                               provider_created_at, provider_updated_at, raw)
  values ('nowpayments', v_payment_id, o.order_id, o.user_id,
          coalesce(nullif(btrim(p_payment ->> 'invoice_id'), ''), o.invoice_id),
          v_status, v_pay_address, v_pay_amount, v_coin, v_price_amount,
          nullif(lower(btrim(p_payment ->> 'price_currency')), ''),
          v_created_at, v_updated_at, v_raw)
  on conflict (provider, payment_id) do nothing
  returning id into v_new_payment;

  if v_new_payment is null then
    -- already recorded: fine for this order (a replay), never for another one
    select pm.order_id into v_existing_order
      from public.payments pm
     where pm.provider = 'nowpayments' and pm.payment_id = v_payment_id;
    if v_existing_order is distinct from o.order_id then
      raise exception 'crypto_payment_record: payment % belongs to order %', v_payment_id, v_existing_order
        using errcode = 'invalid_parameter_value';
    end if;
  else
    insert into public.payment_transactions (order_id, user_id, transaction_type, provider,
                                             provider_transaction_id, amount, currency, status,
                                             event_type, provider_response)
    values (o.order_id, o.user_id, 'payment', 'nowpayments', v_payment_id, o.final_amount, 'usd',
            'pending', 'payment_created', v_raw);

    insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                        description, new_values)
    values (rv.actor_id, rv.actor_email, 'payment_created', 'orders', o.order_id,
            format('NOWPayments payment %s (%s) created', v_payment_id, v_coin),
            jsonb_build_object('actor_role', rv.actor_role,
                               'invoice_id', o.invoice_id,
                               'payment_id', v_payment_id,
                               'pay_currency', v_coin,
                               'pay_amount', v_pay_amount,
                               'pay_address', v_pay_address,
                               'price_amount', o.final_amount,
                               'price_currency', 'usd'));
  end if;

  delete from public.payment_reservations x where x.order_id = rv.order_id and x.token = rv.token;

  return jsonb_build_object(
    'action', 'recorded',
    'invoice_url', o.invoice_url,
    'payment', jsonb_build_object(
      'payment_id',      v_payment_id,
      'pay_address',     v_pay_address,
      'pay_amount',      v_pay_amount,
      'pay_currency',    v_coin,
      'expiration_date', v_expiration));
end
$_$;


--
-- Name: FUNCTION crypto_payment_record(p_order_id text, p_token uuid, p_invoice jsonb, p_payment jsonb); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.crypto_payment_record(p_order_id text, p_token uuid, p_invoice jsonb, p_payment jsonb) IS 'create-crypto-payment, step 3 (service_role): store the NOWPayments invoice/payment if the token still holds the reservation, and release it; statuses stay pending.';


--
-- Name: crypto_payment_release(text, uuid); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.crypto_payment_release(p_order_id text, p_token uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform ffx_internal.require_service_role();
  delete from public.payment_reservations x where x.order_id = p_order_id and x.token = p_token;
  if not found then
    return false;
  end if;
  perform ffx_internal.discount_hold_release(p_order_id);
  return true;
end
$$;


--
-- Name: FUNCTION crypto_payment_release(p_order_id text, p_token uuid); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.crypto_payment_release(p_order_id text, p_token uuid) IS 'create-crypto-payment: release a reservation after a failed provider call (only with its token). service_role only.';


--
-- Name: customer_is_active(uuid); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.customer_is_active(p_user_id uuid) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select p_user_id is not null
         and coalesce((select p.account_status = 'active' from public.user_profiles p where p.id = p_user_id), true)
$$;


--
-- Name: deliver_account_core(text, uuid, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.deliver_account_core(p_order_id text, p_user_id uuid, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  if not ffx_internal.customer_is_active(p_user_id)
     and not exists (select 1 from public.delivered_accounts d where d.order_id = p_order_id) then
    return jsonb_build_object('success', false, 'error', 'Customer account is not active',
                              'order_id', p_order_id);
  end if;
  return ffx_internal.deliver_account_unchecked(p_order_id, p_user_id, p_reason);
end
$$;


--
-- Name: FUNCTION deliver_account_core(p_order_id text, p_user_id uuid, p_reason text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.deliver_account_core(p_order_id text, p_user_id uuid, p_reason text) IS 'Delivery logic without a caller check (owner only): refuses banned or suspended customers, then deliver_account_unchecked.';


--
-- Name: deliver_account_to_user(text, uuid); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.deliver_account_to_user(p_order_id text, p_user_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_admin boolean := ffx_internal.is_admin();
begin
  perform ffx_internal.require_admin_or_service();
  return ffx_internal.deliver_account_core(p_order_id, p_user_id, case when v_admin then 'admin' else 'service' end);
end
$$;


--
-- Name: FUNCTION deliver_account_to_user(p_order_id text, p_user_id uuid); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.deliver_account_to_user(p_order_id text, p_user_id uuid) IS 'Deliver one inventory account to a paid order (idempotent). Admins and service_role only.';


--
-- Name: deliver_account_unchecked(text, uuid, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.deliver_account_unchecked(p_order_id text, p_user_id uuid, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION deliver_account_unchecked(p_order_id text, p_user_id uuid, p_reason text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.deliver_account_unchecked(p_order_id text, p_user_id uuid, p_reason text) IS 'The delivery itself (owner only); reached only through deliver_account_core, which checks the customer.';


--
-- Name: deliver_waiting_core(integer, text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.deliver_waiting_core(p_account_size integer, p_platform_type text, p_reason text) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION deliver_waiting_core(p_account_size integer, p_platform_type text, p_reason text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.deliver_waiting_core(p_account_size integer, p_platform_type text, p_reason text) IS 'Deliver paid orders waiting for stock, oldest first, while stock lasts (owner only; see deliver_waiting_orders).';


--
-- Name: deliver_waiting_orders(integer, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.deliver_waiting_orders(p_account_size integer DEFAULT NULL::integer, p_platform_type text DEFAULT NULL::text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_admin boolean := ffx_internal.is_admin();
begin
  perform ffx_internal.require_admin_or_service();
  return ffx_internal.deliver_waiting_core(p_account_size, p_platform_type,
                                     case when v_admin then 'admin_deliver_waiting' else 'deliver_waiting' end);
end
$$;


--
-- Name: FUNCTION deliver_waiting_orders(p_account_size integer, p_platform_type text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.deliver_waiting_orders(p_account_size integer, p_platform_type text) IS 'Deliver paid orders waiting for stock (optionally of one size/platform), oldest paid first; returns how many. Admins and service_role.';


--
-- Name: discount_attempt_admit(uuid); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.discount_attempt_admit(p_user_id uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
declare
  v_limit integer;
  v_recent bigint;
begin
  perform pg_advisory_xact_lock(hashtextextended('ffx.discount_code_attempts:' || p_user_id::text, 0));
  select s.discount_attempts_per_hour into v_limit from public.order_settings s where s.id;
  select count(*) into v_recent
    from public.discount_code_attempts a
   where a.user_id = p_user_id and a.attempted_at > now() - interval '1 hour';
  if v_recent >= coalesce(v_limit, 20) then
    raise exception using errcode = 'FF429', message = 'Too many discount code attempts';
  end if;
end
$$;


--
-- Name: discount_attempt_record(uuid, text, boolean); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.discount_attempt_record(p_user_id uuid, p_code text, p_accepted boolean) RETURNS void
    LANGUAGE sql
    AS $$
  delete from public.discount_code_attempts a
   where a.user_id = p_user_id and a.attempted_at < now() - interval '1 day';
  insert into public.discount_code_attempts (user_id, code, accepted)
  values (p_user_id, left(p_code, 64), p_accepted);
$$;


--
-- Name: discount_code_uses_backfill(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.discount_code_uses_backfill() RETURNS integer
    LANGUAGE plpgsql
    AS $$
declare
  v_added integer;
begin
  lock table public.discount_codes in share row exclusive mode;
  insert into public.discount_code_uses (order_id, code, user_id, state, held_at, used_at)
  select o.order_id, d.code, o.user_id,
         case when o.paid_at is not null then 'used' else 'held' end,
         case when o.paid_at is null then now() end,
         o.paid_at
    from public.orders o
    join public.discount_codes d on d.code = o.discount_code
   where not exists (select 1 from public.discount_code_uses u where u.order_id = o.order_id)
     and (o.paid_at is not null
          or (o.order_status in ('pending', 'processing')
              and exists (select 1 from public.payments p
                           where p.order_id = o.order_id
                             and p.payment_status in ('waiting', 'confirming', 'confirmed', 'sending',
                                                      'partially_paid'))));
  get diagnostics v_added = row_count;

  update public.discount_codes d
     set uses = coalesce(c.used, 0), held = coalesce(c.held, 0)
    from public.discount_codes k
    left join (select u.code,
                      count(*) filter (where u.state = 'used') as used,
                      count(*) filter (where u.state = 'held') as held
                 from public.discount_code_uses u
                group by u.code) c on c.code = k.code
   where d.code = k.code
     and (d.uses, d.held) is distinct from (coalesce(c.used, 0)::integer, coalesce(c.held, 0)::integer);
  return v_added;
end
$$;


--
-- Name: discount_code_verdict(text, uuid, numeric); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.discount_code_verdict(p_code text, p_user_id uuid, p_price numeric, OUT discount numeric, OUT valid boolean) RETURNS record
    LANGUAGE plpgsql STABLE
    AS $$
begin
  select coalesce(case when d.percent_off is not null then round(p_price * d.percent_off / 100, 2)
                       else least(d.amount_off, p_price) end, 0),
         coalesce(d.active
                  and (d.valid_from is null or d.valid_from <= now())
                  and (d.valid_until is null or d.valid_until > now())
                  and (d.max_uses is null or d.uses + d.held < d.max_uses)
                  and (d.max_uses_per_user is null or mine.n < d.max_uses_per_user), false)
    into discount, valid
    from (select p_code as code) k
    left join public.discount_codes d on d.code = k.code
   cross join lateral (select count(*) as n
                         from public.discount_code_uses u
                        where u.code = k.code and u.user_id = p_user_id and u.state in ('held', 'used')) mine;
end
$$;


--
-- Name: discount_codes_keep_counts(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.discount_codes_keep_counts() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if ffx_internal.runs_as_owner() then
    return new;
  end if;
  if tg_op = 'INSERT' then
    new.uses := 0;
    new.held := 0;
  elsif (new.uses, new.held) is distinct from (old.uses, old.held) then
    raise exception using errcode = 'FF403',
      message = 'discount_codes.uses and held are counted by the database: change max_uses instead';
  end if;
  return new;
end
$$;


--
-- Name: discount_codes_normalize_code(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.discount_codes_normalize_code() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  new.code := upper(btrim(new.code));
  return new;
end
$$;


--
-- Name: discount_hold_core(text, boolean); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.discount_hold_core(p_order_id text, p_strict boolean) RETURNS text
    LANGUAGE plpgsql
    AS $$
declare
  o      public.orders%rowtype;
  d      public.discount_codes%rowtype;
  v_was  text;
  v_mine bigint;
begin
  select * into o from public.orders x where x.order_id = p_order_id for share;
  if not found or o.discount_code is null then
    return 'none';
  end if;
  if o.paid_at is not null then
    return 'used';
  end if;
  if o.order_status in ('failed', 'cancelled', 'refunded') then
    return 'none';
  end if;

  select * into d from public.discount_codes c where c.code = o.discount_code for update;
  select u.state into v_was from public.discount_code_uses u where u.order_id = o.order_id;
  if v_was in ('held', 'used') then
    return v_was;
  end if;

  select count(*) into v_mine
    from public.discount_code_uses u
   where u.code = d.code and u.user_id = o.user_id and u.state in ('held', 'used');
  if d.code is null
     or (d.max_uses is not null and d.uses + d.held >= d.max_uses)
     or (d.max_uses_per_user is not null and v_mine >= d.max_uses_per_user) then
    if p_strict then
      raise exception using errcode = 'FF400', message = 'Invalid discount code';
    end if;
    return 'none';
  end if;

  insert into public.discount_code_uses (order_id, code, user_id, state, held_at)
  values (o.order_id, d.code, o.user_id, 'held', now())
  on conflict (order_id) do update
    set code = excluded.code, state = 'held', held_at = now(), released_at = null;
  update public.discount_codes c set held = c.held + 1 where c.code = d.code;
  return 'held';
end
$$;


--
-- Name: discount_hold_release(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.discount_hold_release(p_order_id text) RETURNS text
    LANGUAGE plpgsql
    AS $$
declare
  o public.orders%rowtype;
begin
  select * into o from public.orders x where x.order_id = p_order_id;
  if not found or o.discount_code is null or o.paid_at is not null then
    return 'none';
  end if;
  -- a finished payment of an unpaid order is money held for an operator's review (50_payments): its
  -- hold stays until the operator accepts (the use then counts) or the order closes
  if o.order_status not in ('failed', 'cancelled', 'refunded')
     and exists (select 1 from public.payments p
                  where p.order_id = o.order_id
                    and p.payment_status in ('waiting', 'confirming', 'confirmed', 'sending', 'partially_paid',
                                             'finished')) then
    return 'held';
  end if;
  perform 1 from public.discount_codes c where c.code = o.discount_code for update;
  update public.discount_code_uses u set state = 'released', released_at = now()
   where u.order_id = o.order_id and u.state = 'held';
  if not found then
    return 'none';
  end if;
  update public.discount_codes c set held = c.held - 1 where c.code = o.discount_code;
  return 'released';
end
$$;


--
-- Name: discount_hold_take(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.discount_hold_take(p_order_id text) RETURNS text
    LANGUAGE sql
    AS $$
  select ffx_internal.discount_hold_core(p_order_id, true)
$$;


--
-- Name: FUNCTION discount_hold_take(p_order_id text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.discount_hold_take(p_order_id text) IS 'Take the order''s discount-code hold before a payment is opened (idempotent); FF400 Invalid discount code when the code has no room. Owner only.';


--
-- Name: discount_holds_release_stale(interval); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.discount_holds_release_stale(p_max_age interval) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_order_id text;
  v_count    integer := 0;
begin
  perform ffx_internal.require_service_role();
  if p_max_age is null or p_max_age < interval '0' then
    raise exception 'discount_holds_release_stale: p_max_age must be a non-negative interval'
      using errcode = 'invalid_parameter_value';
  end if;
  for v_order_id in
    select u.order_id from public.discount_code_uses u
     where u.state = 'held' and u.held_at < now() - p_max_age
     order by u.held_at, u.order_id
     limit 500
  loop
    -- the order's lock serialises with payment_apply and the recording of a new payment
    perform 1 from public.orders x where x.order_id = v_order_id for update skip locked;
    continue when not found;
    if ffx_internal.discount_hold_release(v_order_id) = 'released' then
      v_count := v_count + 1;
    end if;
  end loop;
  return v_count;
end
$$;


--
-- Name: FUNCTION discount_holds_release_stale(p_max_age interval); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.discount_holds_release_stale(p_max_age interval) IS 'Reconciler: release discount-code holds older than p_max_age that no live payment backs; returns how many. service_role only.';


--
-- Name: discount_use_consume(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.discount_use_consume(p_order_id text) RETURNS text
    LANGUAGE plpgsql
    AS $$
declare
  o      public.orders%rowtype;
  d      public.discount_codes%rowtype;
  v_was  text;
  v_mine bigint;
  v_over boolean;
begin
  select * into o from public.orders x where x.order_id = p_order_id;
  if not found or o.discount_code is null then
    return 'none';
  end if;
  select * into d from public.discount_codes c where c.code = o.discount_code for update;
  if not found then
    return 'none'; -- the code was deleted: nothing left to count
  end if;
  select u.state into v_was from public.discount_code_uses u where u.order_id = o.order_id;
  if v_was = 'used' then
    return 'used';
  end if;

  if v_was = 'held' then
    update public.discount_code_uses u set state = 'used', used_at = now() where u.order_id = o.order_id;
    update public.discount_codes c set held = c.held - 1, uses = c.uses + 1 where c.code = d.code;
    return 'used';
  end if;

  select count(*) into v_mine
    from public.discount_code_uses u
   where u.code = d.code and u.user_id = o.user_id and u.state in ('held', 'used');
  v_over := (d.max_uses is not null and d.uses + d.held >= d.max_uses)
            or (d.max_uses_per_user is not null and v_mine >= d.max_uses_per_user);
  insert into public.discount_code_uses (order_id, code, user_id, state, over_limit, used_at)
  values (o.order_id, d.code, o.user_id, 'used', v_over, now())
  on conflict (order_id) do update
    set code = excluded.code, state = 'used', over_limit = excluded.over_limit, used_at = now();
  update public.discount_codes c set uses = c.uses + 1 where c.code = d.code;

  if v_over then
    insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                        description, old_values, new_values)
    values (auth.uid(), auth.jwt() ->> 'email', 'discount_over_limit', 'discount_codes', d.code,
            format('Order %s was paid with code %s beyond its limits: honoured (the money came in)',
                   o.order_id, d.code),
            jsonb_build_object('uses', d.uses, 'held', d.held, 'max_uses', d.max_uses,
                               'customer_uses', v_mine, 'max_uses_per_user', d.max_uses_per_user),
            jsonb_build_object('order_id', o.order_id, 'user_id', o.user_id, 'uses', d.uses + 1,
                               'held', d.held));
  end if;
  return 'used';
end
$$;


--
-- Name: email_outbox_notify(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.email_outbox_notify() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  perform pg_notify('ffx_outbox', new.id::text);
  return new;
end
$$;


--
-- Name: erase_customer(uuid, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.erase_customer(p_user_id uuid, p_auth_email text) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_emails  text[];
  v_names   text[];
  v_orders  text[];
  v_role    text := coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user::text);
  v_actor   text := auth.jwt() ->> 'email';
  n_orders int; n_payments int; n_transactions int; n_deliveries int; n_outbox_kept int;
  n_outbox_cancelled int; n_outbox_scrubbed int; n_audit int; n_ipn int; n_reservations int;
  n_attempts int; n_debug int; n_profile int;
  v_counts  jsonb;
begin
  select array_remove(array[nullif(btrim(p_auth_email), ''), nullif(btrim(p.email), '')], null),
         array_remove(array[nullif(btrim(p.first_name), ''), nullif(btrim(p.last_name), '')], null)
    into v_emails, v_names
    from (select 1) one
    left join public.user_profiles p on p.id = p_user_id;
  select coalesce(array_agg(o.order_id), '{}'::text[]) into v_orders
    from public.orders o where o.user_id = p_user_id;

  -- lets exactly this erasure redact the audit log (admin_audit_log_refuse_change)
  perform pg_catalog.set_config('ffx.erasing_user', p_user_id::text, true);

  -- e-mails: the unsent ones are cancelled for good (no recipient: outbox_requeue refuses them),
  -- every one loses its recipient and variables
  update public.email_outbox e
     set status = 'failed', locked_until = null, last_error = 'cancelled: the recipient was erased'
   where (e.order_id = any (v_orders) or lower(e.to_email) = any (select lower(m) from unnest(v_emails) m))
     and e.status in ('pending', 'sending');
  get diagnostics n_outbox_cancelled = row_count;
  update public.email_outbox e
     set to_email = '', variables = '{}'::jsonb, last_error = ffx_internal.redact_text(e.last_error, v_emails, v_names)
   where (e.order_id = any (v_orders) or lower(e.to_email) = any (select lower(m) from unnest(v_emails) m))
     and (e.to_email <> '' or e.variables <> '{}'::jsonb
          or e.last_error is distinct from ffx_internal.redact_text(e.last_error, v_emails, v_names));
  get diagnostics n_outbox_scrubbed = row_count;
  select count(*) into n_outbox_kept from public.email_outbox e where e.order_id = any (v_orders);

  update public.delivered_accounts d set user_id = null where d.user_id = p_user_id;
  get diagnostics n_deliveries = row_count;
  update public.payments pm
     set user_id = null, raw = ffx_internal.redact_jsonb(pm.raw, v_emails, null)
   where pm.user_id = p_user_id;
  get diagnostics n_payments = row_count;
  update public.payment_transactions t
     set user_id = null, provider_response = ffx_internal.redact_jsonb(t.provider_response, v_emails, null)
   where t.user_id = p_user_id;
  get diagnostics n_transactions = row_count;
  update public.orders o
     set user_id = null, attention_detail = ffx_internal.redact_jsonb(o.attention_detail, v_emails, null)
   where o.user_id = p_user_id;
  get diagnostics n_orders = row_count;

  update public.ipn_events i
     set payload = ffx_internal.redact_jsonb(i.payload, v_emails, null),
         last_error = ffx_internal.redact_text(i.last_error, v_emails, v_names)
   where (i.order_id = any (v_orders) or i.matched_order_id = any (v_orders))
     and (i.payload is distinct from ffx_internal.redact_jsonb(i.payload, v_emails, null)
          or i.last_error is distinct from ffx_internal.redact_text(i.last_error, v_emails, v_names));
  get diagnostics n_ipn = row_count;

  update public.payment_reservations r
     set actor_email = null
   where r.actor_email is not null
     and (r.actor_id = p_user_id or lower(r.actor_email) = any (select lower(m) from unnest(v_emails) m));
  get diagnostics n_reservations = row_count;

  -- the entries about the user, by the user, or quoting the e-mail
  update public.admin_audit_log a
     set admin_email = ffx_internal.redact_text(a.admin_email, v_emails, v_names),
         description = ffx_internal.redact_text(a.description, v_emails, v_names),
         old_values  = ffx_internal.redact_jsonb(a.old_values, v_emails, v_names),
         new_values  = ffx_internal.redact_jsonb(a.new_values, v_emails, v_names)
   where (a.admin_id = p_user_id or a.record_id = p_user_id::text or a.record_id = any (v_orders)
          or exists (select 1 from unnest(v_emails) m where strpos(lower(a::text), lower(m)) > 0))
     and (a.admin_email is distinct from ffx_internal.redact_text(a.admin_email, v_emails, v_names)
          or a.description is distinct from ffx_internal.redact_text(a.description, v_emails, v_names)
          or a.old_values is distinct from ffx_internal.redact_jsonb(a.old_values, v_emails, v_names)
          or a.new_values is distinct from ffx_internal.redact_jsonb(a.new_values, v_emails, v_names));
  get diagnostics n_audit = row_count;

  -- not records: the discount rate limit's memory and raw debug requests quoting the e-mail
  delete from public.discount_code_attempts a where a.user_id = p_user_id;
  get diagnostics n_attempts = row_count;
  delete from public.webhook_debug_log w
   where exists (select 1 from unnest(v_emails) m
                  where strpos(lower(concat_ws(' ', w.path, w.query, w.headers::text, w.client_addr)), lower(m)) > 0
                     or position(convert_to(m, 'UTF8') in coalesce(w.body, ''::bytea)) > 0);
  get diagnostics n_debug = row_count;

  delete from public.user_profiles p where p.id = p_user_id;
  get diagnostics n_profile = row_count;

  v_counts := jsonb_build_object(
    'kept', jsonb_build_object('orders', n_orders, 'payments', n_payments,
                               'payment_transactions', n_transactions, 'delivered_accounts', n_deliveries,
                               'email_outbox', n_outbox_kept),
    'scrubbed', jsonb_build_object('email_outbox', n_outbox_scrubbed, 'admin_audit_log', n_audit,
                                   'ipn_events', n_ipn, 'payment_reservations', n_reservations),
    'cancelled', jsonb_build_object('email_outbox', n_outbox_cancelled),
    'removed', jsonb_build_object('user_profiles', n_profile, 'discount_code_attempts', n_attempts,
                                  'webhook_debug_log', n_debug),
    'by', v_role);

  insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                      description, new_values)
  values (nullif(auth.uid(), p_user_id),
          case when lower(v_actor) = any (select lower(m) from unnest(v_emails) m) then null else v_actor end,
          'user_erased', 'auth.users', p_user_id::text,
          'customer deleted from auth: personal data erased, financial records kept',
          v_counts);

  perform pg_catalog.set_config('ffx.erasing_user', '', true);
  return v_counts;
end
$$;


--
-- Name: FUNCTION erase_customer(p_user_id uuid, p_auth_email text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.erase_customer(p_user_id uuid, p_auth_email text) IS 'A customer leaves: financial rows kept without their user, personal data erased, audited as user_erased (called by the auth.users triggers; owner only).';


--
-- Name: expire_stale_orders(interval); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.expire_stale_orders(p_max_age interval) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_order_id text;
  o          public.orders%rowtype;
  pm         public.payments%rowtype;
  v_status   text;
  v_count    integer := 0;
begin
  perform ffx_internal.require_service_role();
  if p_max_age is null or p_max_age < interval '0' then
    raise exception 'expire_stale_orders: p_max_age must be a non-negative interval' using errcode = 'invalid_parameter_value';
  end if;

  for v_order_id in
    select x.order_id
      from public.orders x
     where x.order_status in ('pending', 'processing') and x.payment_status = 'pending'
       and x.delivery_status = 'pending' and x.paid_at is null
       and ffx_internal.order_is_stale(x.order_id, p_max_age)
     order by x.created_at, x.order_id
     limit 500
  loop
    begin
      select * into o from public.orders x where x.order_id = v_order_id for update skip locked;
      -- locked by a webhook or another reconciler: the next pass looks again
      continue when not found;
      -- again under the lock: a finished payment may have committed meanwhile
      continue when not (o.order_status in ('pending', 'processing') and o.payment_status = 'pending'
                         and o.delivery_status = 'pending' and o.paid_at is null
                         and ffx_internal.order_is_stale(o.order_id, p_max_age));

      for pm in
        select * from public.payments y
         where y.order_id = o.order_id and y.payment_status = 'waiting'
         order by y.created_at, y.id
      loop
        perform ffx_internal.payment_apply(
          (pm.raw - 'updated_at')
            || jsonb_build_object('payment_id', pm.payment_id, 'payment_status', 'expired',
                                  'order_id', o.order_id, 'price_amount', pm.price_amount,
                                  'price_currency', pm.price_currency),
          'reconcile_expiry');
      end loop;

      select x.order_status into v_status from public.orders x where x.order_id = o.order_id;
      if v_status = 'failed' then
        v_count := v_count + 1;
      end if;
    exception when others then
      raise warning 'expire_stale_orders: expiring order % failed: % (%)', v_order_id, sqlerrm, sqlstate;
    end;
  end loop;
  return v_count;
end
$$;


--
-- Name: FUNCTION expire_stale_orders(p_max_age interval); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.expire_stale_orders(p_max_age interval) IS 'Reconciler: fail open unpaid orders whose waiting payments all expired (provider expiration passed, else older than p_max_age), through payment_apply. service_role only.';


--
-- Name: generate_order_id(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.generate_order_id() RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  candidate text;
begin
  loop
    candidate := 'FFX' || lpad((floor(random() * 1000000000))::bigint::text, 9, '0');
    exit when not exists (select 1 from public.orders o where o.order_id = candidate);
  end loop;
  return candidate;
end
$$;


--
-- Name: handle_new_user(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.handle_new_user() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  meta jsonb := coalesce(new.raw_user_meta_data, '{}'::jsonb);
begin
  insert into public.user_profiles (id, email, first_name, last_name, phone, country, marketing_consent)
  values (
    new.id,
    new.email,
    left(coalesce(meta ->> 'first_name', ''), 100),
    left(coalesce(meta ->> 'last_name', ''), 100),
    nullif(left(coalesce(meta ->> 'phone', ''), 50), ''),
    nullif(left(coalesce(meta ->> 'country', ''), 100), ''),
    lower(coalesce(meta ->> 'marketing_consent', '')) in ('true', 't', 'yes', 'y', 'on', '1')
  )
  on conflict (id) do nothing;
  return new;
end
$$;


--
-- Name: handle_user_deleted(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.handle_user_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform ffx_internal.erase_customer(old.id, old.email);
  return old;
end
$$;


--
-- Name: handle_user_email_changed(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.handle_user_email_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  update public.user_profiles p set email = new.email where p.id = new.id and p.email is distinct from new.email;
  return null;
end
$$;


--
-- Name: handle_user_soft_deleted(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.handle_user_soft_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform ffx_internal.erase_customer(new.id, old.email);
  return null;
end
$$;


--
-- Name: ipn_dedupe_key(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.ipn_dedupe_key(p_payload jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select (p_payload ->> 'payment_id') || ':' || (p_payload ->> 'payment_status')
         || ':' || coalesce(p_payload ->> 'updated_at', '')
         || ':' || coalesce(p_payload ->> 'actually_paid', '')
         || ':' || coalesce(p_payload ->> 'outcome_amount', '')
$$;


--
-- Name: FUNCTION ipn_dedupe_key(p_payload jsonb); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.ipn_dedupe_key(p_payload jsonb) IS 'payment_id:payment_status:updated_at:actually_paid:outcome_amount of an IPN body (ipn_events.dedupe_key).';


--
-- Name: ipn_process_event(bigint); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.ipn_process_event(p_event_id bigint) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION ipn_process_event(p_event_id bigint); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.ipn_process_event(p_event_id bigint) IS 'Apply one stored IPN event in a subtransaction; the event records processed/unmatched/failed (owner only).';


--
-- Name: ipn_receive(jsonb, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.ipn_receive(p_payload jsonb, p_signature text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION ipn_receive(p_payload jsonb, p_signature text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.ipn_receive(p_payload jsonb, p_signature text) IS 'payment-webhook: store a verified IPN in the inbox (deduplicated) and apply it. service_role only.';


--
-- Name: ipn_reprocess(bigint); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.ipn_reprocess(p_event_id bigint) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION ipn_reprocess(p_event_id bigint); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.ipn_reprocess(p_event_id bigint) IS 'Re-run a failed or unmatched IPN event through payment_apply. Admins and service_role.';


--
-- Name: is_admin(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.is_admin() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select coalesce((auth.jwt() -> 'app_metadata' ->> 'role') = 'admin', false)
$$;


--
-- Name: is_service_role(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.is_service_role() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select coalesce(auth.role() = 'service_role', false)
$$;


--
-- Name: FUNCTION is_service_role(); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.is_service_role() IS 'True when the request''s claims carry role service_role (the backend, ffx-admin, the workers).';


--
-- Name: may_act_for(uuid); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.may_act_for(p_user_id uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select coalesce(auth.uid() = p_user_id, false) or ffx_internal.is_admin() or ffx_internal.is_service_role()
$$;


--
-- Name: FUNCTION may_act_for(p_user_id uuid); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.may_act_for(p_user_id uuid) IS 'True when the caller is the user p_user_id, an admin or service_role.';


--
-- Name: metrics_gauges(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.metrics_gauges() RETURNS TABLE(metric text, labels jsonb, value double precision)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform ffx_internal.admin_cli_check(null); -- admins and service_role only

  return query
  with ipn as (
    select coalesce(k.state, c.state) as state, coalesce(c.n, 0) as n
      from (values ('pending'), ('processed'), ('unmatched'), ('failed')) k (state)
      full join (select e.state, count(*) as n
                   from public.ipn_events e
                  where not exists (select 1 from ffx_internal.ipn_event_dismissals d where d.event_id = e.id)
                  group by e.state) c
        on c.state = k.state
  ),
  ord as (
    select coalesce(k.os, c.os) as os, coalesce(k.ps, c.ps) as ps, coalesce(c.n, 0) as n
      from (select os, ps
              from unnest(array['pending', 'processing', 'completed', 'failed', 'cancelled', 'refunded']) os
             cross join unnest(array['pending', 'paid', 'failed', 'refunded']) ps) k
      full join (select o.order_status as os, o.payment_status as ps, count(*) as n
                   from public.orders o group by 1, 2) c
        on c.os = k.os and c.ps = k.ps
  ),
  undelivered as (
    select count(*) as n, coalesce(extract(epoch from now() - min(o.paid_at)), 0) as oldest
      from public.orders o
     where o.paid_at is not null and o.payment_status = 'paid' and o.delivery_status <> 'delivered'
  ),
  outbox as (
    select coalesce(k.status, c.status) as status, coalesce(c.n, 0) as n
      from (values ('pending'), ('sending'), ('sent'), ('failed')) k (status)
      full join (select m.status, count(*) as n from public.email_outbox m group by m.status) c
        on c.status = k.status
  ),
  outbox_age as (
    select coalesce(extract(epoch from now() - min(m.created_at)), 0) as oldest
      from public.email_outbox m
     where m.status in ('pending', 'sending')
  ),
  stock as (
    select coalesce(k.account_size, c.account_size) as account_size,
           coalesce(k.platform_type, c.platform_type) as platform_type, coalesce(c.n, 0) as n
      from (select distinct p.account_size, p.platform_type from public.pricing p where p.active) k
      full join (select a.account_size, a.platform_type, count(*) as n
                   from public.account_container a
                  where a.status = 'available'
                  group by 1, 2) c
        on c.account_size = k.account_size and c.platform_type = k.platform_type
  ),
  samples (metric, labels, value) as (
    select 'ffx_ipn_events', jsonb_build_object('state', ipn.state), ipn.n::float8 from ipn
    union all
    select 'ffx_orders', jsonb_build_object('order_status', ord.os, 'payment_status', ord.ps), ord.n::float8
      from ord
    union all
    select 'ffx_orders_paid_undelivered', '{}'::jsonb, u.n::float8 from undelivered u
    union all
    select 'ffx_orders_paid_undelivered_oldest_age_seconds', '{}'::jsonb, u.oldest::float8 from undelivered u
    union all
    select 'ffx_email_outbox_messages', jsonb_build_object('status', outbox.status), outbox.n::float8
      from outbox
    union all
    select 'ffx_email_outbox_oldest_pending_age_seconds', '{}'::jsonb, a.oldest::float8 from outbox_age a
    union all
    select 'ffx_accounts_available',
           jsonb_build_object('account_size', stock.account_size::text, 'platform_type', stock.platform_type),
           stock.n::float8
      from stock
  )
  select s.metric, s.labels, s.value from samples s order by s.metric, s.labels::text;
end
$$;


--
-- Name: FUNCTION metrics_gauges(); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.metrics_gauges() IS 'The metrics endpoint''s database gauges: (metric, labels, value) rows of counts and ages, never row content. Admins and service_role.';


--
-- Name: order_base_price(text, integer, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.order_base_price(p_account_type text, p_account_size integer, p_platform_type text) RETURNS numeric
    LANGUAGE plpgsql STABLE
    AS $$
declare
  v_price numeric(12,2);
begin
  select p.price_usd into v_price
    from public.pricing p
   where p.account_type = p_account_type
     and p.account_size = p_account_size
     and p.platform_type = p_platform_type
     and p.active;
  if not found then
    raise exception using errcode = 'FF400', message = 'Product not available';
  end if;
  return v_price;
end
$$;


--
-- Name: order_buyer_check(uuid); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.order_buyer_check(p_user_id uuid) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
begin
  -- orders.user_id is nullable only so that a deleted customer's orders stay (0006_user_erasure)
  if p_user_id is null then
    raise exception using errcode = 'FF400', message = 'An order needs a customer';
  end if;
  if exists (select 1 from public.user_profiles p
              where p.id = p_user_id and p.account_status in ('banned', 'suspended')) then
    raise exception using errcode = 'FF403', message = 'Account is suspended or banned';
  end if;
end
$$;


--
-- Name: order_create(text, integer, text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.order_create(p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, OUT order_doc jsonb, OUT error text) RETURNS record
    LANGUAGE plpgsql
    AS $$
begin
  insert into public.orders (user_id, account_type, account_size, platform_type, discount_code)
  values (auth.uid(), p_account_type, p_account_size, p_platform_type, p_discount_code)
  returning jsonb_build_object(
              'order_id', order_id, 'account_type', account_type, 'account_size', account_size,
              'platform_type', platform_type, 'amount', amount, 'discount_code', discount_code,
              'discount_amount', discount_amount, 'final_amount', final_amount,
              'order_status', order_status, 'payment_status', payment_status,
              'delivery_status', delivery_status,
              'created_at', to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    into order_doc;
  if order_doc is null then
    -- the only row the trigger skips is one whose discount code was refused
    error := 'Invalid discount code';
  end if;
end
$$;


--
-- Name: FUNCTION order_create(p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, OUT order_doc jsonb, OUT error text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.order_create(p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, OUT order_doc jsonb, OUT error text) IS 'create-order: insert the caller''s order; {order_doc} or {error: ''Invalid discount code''} (the attempt is kept). Other refusals raise FF400/FF403/FF429.';


--
-- Name: order_is_stale(text, interval); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.order_is_stale(p_order_id text, p_max_age interval) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select exists (select 1 from public.payments y
                  where y.order_id = p_order_id and y.payment_status = 'waiting')
     and not exists (select 1 from public.payments y
                      where y.order_id = p_order_id
                        and (y.payment_status not in ('waiting', 'failed', 'expired')
                             or (y.payment_status = 'waiting'
                                 and not ffx_internal.payment_is_stale(y.raw, coalesce(y.provider_created_at, y.created_at),
                                                                 p_max_age))))
$$;


--
-- Name: order_payment_status(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.order_payment_status(p_order_id text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select case when s.order_doc is not null then
           jsonb_build_object('order', s.order_doc || jsonb_build_object('user_id', s.owner),
                              'payment', coalesce(s.payment_doc, 'null'::jsonb))
         end
    from ffx_internal.check_payment_status(p_order_id) s
$$;


--
-- Name: FUNCTION order_payment_status(p_order_id text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.order_payment_status(p_order_id text) IS 'check-payment-status: {"order": ..., "payment": newest payment or null} for an order the caller may see; NULL otherwise.';


--
-- Name: order_price_core(uuid, text, integer, text, text, boolean); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.order_price_core(p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, p_count_attempt boolean, OUT amount numeric, OUT discount_amount numeric, OUT final_amount numeric, OUT discount_code text, OUT code_refused boolean) RETURNS record
    LANGUAGE plpgsql
    AS $$
declare
  v_valid boolean;
begin
  perform ffx_internal.order_buyer_check(p_user_id);
  amount := ffx_internal.order_base_price(p_account_type, p_account_size, p_platform_type);
  discount_amount := 0;
  code_refused := false;
  -- codes are stored upper-case; a blank code is no code
  discount_code := nullif(upper(btrim(p_discount_code)), '');
  if discount_code is not null then
    if p_count_attempt then
      perform ffx_internal.discount_attempt_admit(p_user_id);
    end if;
    select v.discount, v.valid into discount_amount, v_valid
      from ffx_internal.discount_code_verdict(discount_code, p_user_id, amount) v;
    if p_count_attempt then
      perform ffx_internal.discount_attempt_record(p_user_id, discount_code, v_valid);
    end if;
    if not v_valid then
      code_refused := true;
      discount_amount := 0;
    end if;
  end if;
  final_amount := amount - discount_amount;
end
$$;


--
-- Name: order_refunded_manually(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.order_refunded_manually(p_order_id text) RETURNS numeric
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select coalesce(sum(t.amount), 0)::numeric(12,2)
    from public.payment_transactions t
   where t.order_id = p_order_id and t.transaction_type = 'refund' and t.provider = 'manual'
     and t.status = 'completed'
$$;


--
-- Name: order_refunded_usd(public.orders); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.order_refunded_usd(o public.orders) RETURNS numeric
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select case
           when o.payment_status = 'refunded' or o.order_status = 'refunded' then o.final_amount
           else least(o.final_amount, ffx_internal.order_refunded_manually(o.order_id))
         end
$$;


--
-- Name: orders_apply_pricing(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.orders_apply_pricing() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
declare
  q record;
begin
  if ffx_internal.runs_as_owner() then
    select * into q
      from ffx_internal.order_price_core(new.user_id, new.account_type, new.account_size, new.platform_type,
                                   new.discount_code, false);
    if q.code_refused then
      raise exception using errcode = 'FF400', message = 'Invalid discount code';
    end if;
  else
    new := ffx_internal.orders_insert_defaults(new);
    select * into q
      from public.order_quote(new.user_id, new.account_type, new.account_size, new.platform_type,
                              new.discount_code);
    if q.code_refused then
      return null;
    end if;
  end if;

  new.amount          := q.amount;
  new.discount_amount := q.discount_amount;
  new.final_amount    := q.final_amount;
  new.discount_code   := q.discount_code;
  return new;
end
$$;


--
-- Name: orders_discount_follow(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.orders_discount_follow() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if new.paid_at is not null then
    perform ffx_internal.discount_use_consume(new.order_id);
  else
    perform ffx_internal.discount_hold_release(new.order_id);
  end if;
  return null;
end
$$;


--
-- Name: orders_insert_defaults(public.orders); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.orders_insert_defaults(o public.orders) RETURNS public.orders
    LANGUAGE plpgsql STABLE
    AS $$
begin
  o.id := gen_random_uuid();
  o.order_id := null; -- drawn by orders_set_order_id
  if current_user::text <> 'service_role' then
    o.user_id := auth.uid();
  end if;
  o.amount := 0;
  o.discount_amount := 0;
  o.final_amount := 0;
  o.order_status := 'pending';
  o.payment_status := 'pending';
  o.delivery_status := 'pending';
  o.payment_provider := 'nowpayments';
  o.payment_provider_id := null;
  o.invoice_id := null;
  o.invoice_url := null;
  o.pay_currency := null;
  o.crypto_currency := null;
  o.crypto_amount := null;
  o.crypto_address := null;
  o.paid_at := null;
  o.delivered_at := null;
  o.needs_attention := null;
  o.attention_detail := null;
  o.created_at := now();
  o.updated_at := now();
  return o;
end
$$;


--
-- Name: FUNCTION orders_insert_defaults(o public.orders); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.orders_insert_defaults(o public.orders) IS 'An API role''s new order: only account_type, account_size, platform_type, discount_code (and service_role''s user_id) survive. A new orders column must be added here.';


--
-- Name: orders_keep_order_id(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.orders_keep_order_id() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  if new.order_id is distinct from old.order_id then
    raise exception 'orders.order_id is immutable (% -> %)', old.order_id, new.order_id
      using errcode = 'check_violation';
  end if;
  return new;
end
$$;


--
-- Name: orders_refuse_direct_update(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.orders_refuse_direct_update() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
declare
  v_column text;
begin
  if ffx_internal.runs_as_owner() then
    return new;
  end if;
  select n.key into v_column
    from jsonb_each(to_jsonb(new)) n
   where n.key <> 'updated_at' and n.value is distinct from (to_jsonb(old) -> n.key)
   order by case
              when n.key in ('order_status', 'payment_status', 'delivery_status', 'paid_at',
                             'delivered_at', 'needs_attention', 'attention_detail') then 1
              when n.key in ('amount', 'discount_amount', 'final_amount', 'discount_code') then 2
              else 3
            end, n.key
   limit 1;
  if v_column is null then
    return new;
  end if;
  raise exception using errcode = 'FF403', message = case
    when v_column in ('order_status', 'payment_status', 'delivery_status', 'paid_at', 'delivered_at',
                      'needs_attention', 'attention_detail') then
      format('%s changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)', v_column)
    when v_column in ('amount', 'discount_amount', 'final_amount', 'discount_code') then
      format('%s is set by the database when the order is created (pricing, discount_codes) and never changes', v_column)
    when v_column in ('payment_provider', 'payment_provider_id', 'invoice_id', 'invoice_url', 'pay_currency',
                      'crypto_currency', 'crypto_amount', 'crypto_address') then
      format('%s changes only through create-crypto-payment (crypto_payment_record())', v_column)
    else format('%s cannot change once the order exists', v_column)
  end;
end
$$;


--
-- Name: orders_set_order_id(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.orders_set_order_id() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  new.order_id := ffx_internal.generate_order_id();
  return new;
end
$$;


--
-- Name: outbox_claim(integer, integer); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.outbox_claim(p_limit integer, p_lease_seconds integer) RETURNS TABLE(id bigint, to_email text, template_name text, subject text, html_body text, text_body text, variables jsonb, attempts integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
begin
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'outbox_claim: p_limit must be between 1 and 1000' using errcode = 'invalid_parameter_value';
  end if;
  if p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
    raise exception 'outbox_claim: p_lease_seconds must be between 1 and 86400' using errcode = 'invalid_parameter_value';
  end if;

  return query
  with due as (
    select o.id
      from public.email_outbox o
     where (o.status = 'pending' and o.next_attempt_at <= now())
        or (o.status = 'sending' and o.locked_until < now())
     order by o.next_attempt_at, o.id
     limit p_limit
       for update skip locked
  ), claimed as (
    update public.email_outbox o
       set status = 'sending',
           locked_until = now() + make_interval(secs => p_lease_seconds),
           attempts = o.attempts + 1
      from due
     where o.id = due.id
    returning o.id, o.to_email, o.template_name, o.variables, o.attempts
  )
  select c.id, c.to_email, c.template_name, t.subject, t.html_body, t.text_body, c.variables, c.attempts
    from claimed c
    left join public.email_templates t on t.template_name = c.template_name and t.is_active
   order by c.id;
end
$$;


--
-- Name: FUNCTION outbox_claim(p_limit integer, p_lease_seconds integer); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.outbox_claim(p_limit integer, p_lease_seconds integer) IS 'Mailer: claim up to p_limit due e-mails (pending and due, or sending with an expired lease) for p_lease_seconds, with their active template.';


--
-- Name: outbox_mark_failed(bigint, text, integer); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.outbox_mark_failed(p_id bigint, p_error text, p_max_attempts integer) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_status text;
begin
  update public.email_outbox o
     set status = case when o.attempts >= p_max_attempts then 'failed' else 'pending' end,
         next_attempt_at = case when o.attempts >= p_max_attempts then o.next_attempt_at
                                else now() + make_interval(secs => least(power(2, o.attempts), 300)) end,
         locked_until = null,
         last_error = left(p_error, 500)
   where o.id = p_id and o.status = 'sending'
  returning o.status into v_status;
  if not found then
    select o.status into v_status from public.email_outbox o where o.id = p_id;
  end if;
  return v_status;
end
$$;


--
-- Name: FUNCTION outbox_mark_failed(p_id bigint, p_error text, p_max_attempts integer); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.outbox_mark_failed(p_id bigint, p_error text, p_max_attempts integer) IS 'Mailer: the attempt failed; back to pending with backoff min(2^attempts, 300) s, or failed once attempts >= p_max_attempts.';


--
-- Name: outbox_mark_sent(bigint); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.outbox_mark_sent(p_id bigint) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_order_id text;
  v_template text;
  v_sent_at  timestamptz;
begin
  update public.email_outbox o
     set status = 'sent',
         sent_at = coalesce(o.sent_at, now()),
         locked_until = null
   where o.id = p_id
  returning o.order_id, o.template_name, o.sent_at into v_order_id, v_template, v_sent_at;
  if not found then
    return false;
  end if;

  if v_template = 'account_delivery' then
    update public.delivered_accounts d
       set email_sent = true,
           email_sent_at = v_sent_at
     where d.order_id = v_order_id
       and (not d.email_sent or d.email_sent_at is null);
  end if;
  return true;
end
$$;


--
-- Name: FUNCTION outbox_mark_sent(p_id bigint); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.outbox_mark_sent(p_id bigint) IS 'Mailer: the message was accepted by the SMTP server (idempotent); account_delivery also sets delivered_accounts.email_sent.';


--
-- Name: outbox_requeue(bigint); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.outbox_requeue(p_id bigint) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_is_admin boolean := ffx_internal.is_admin();
  v_error    text;
begin
  if not (v_is_admin or ffx_internal.is_service_role()) then
    raise exception 'admin only' using errcode = 'insufficient_privilege';
  end if;

  update public.email_outbox o
     set status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = null
   where o.id = p_id and o.status = 'failed'
     and o.to_email <> ''  -- no recipient: the customer was erased (erase_customer, 10_identity)
  returning o.last_error into v_error;
  if not found then
    return false;
  end if;

  if v_is_admin then
    insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                        old_values, new_values)
    values (auth.uid(), auth.jwt() ->> 'email', 'requeue_email', 'email_outbox', p_id::text,
            jsonb_build_object('status', 'failed', 'last_error', v_error),
            jsonb_build_object('status', 'pending', 'attempts', 0));
  end if;
  perform pg_notify('ffx_outbox', p_id::text);
  return true;
end
$$;


--
-- Name: FUNCTION outbox_requeue(p_id bigint); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.outbox_requeue(p_id bigint) IS 'Admin or service_role: send a failed e-mail again (status pending, attempts 0); audited for admins.';


--
-- Name: payment_apply(jsonb, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.payment_apply(p_payment jsonb, p_source text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: FUNCTION payment_apply(p_payment jsonb, p_source text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.payment_apply(p_payment jsonb, p_source text) IS 'The payment state machine: apply one NOWPayments payment report (IPN, status refresh, reconciler) to its order, delivering on finished. service_role only.';


--
-- Name: payments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payments (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    provider text DEFAULT 'nowpayments'::text NOT NULL,
    payment_id text NOT NULL,
    order_id text NOT NULL,
    user_id uuid,
    invoice_id text,
    parent_payment_id text,
    payment_status text NOT NULL,
    pay_address text,
    pay_amount numeric,
    pay_currency text,
    actually_paid numeric DEFAULT 0 NOT NULL,
    price_amount numeric(12,2),
    price_currency text,
    outcome_amount numeric,
    outcome_currency text,
    provider_created_at timestamp with time zone,
    provider_updated_at timestamp with time zone,
    raw jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    needs_review boolean DEFAULT false NOT NULL,
    reconcile_attempts integer DEFAULT 0 NOT NULL,
    next_reconcile_at timestamp with time zone,
    counted boolean DEFAULT false NOT NULL,
    CONSTRAINT payments_payment_status_check CHECK ((payment_status = ANY (ARRAY['waiting'::text, 'confirming'::text, 'confirmed'::text, 'sending'::text, 'partially_paid'::text, 'finished'::text, 'failed'::text, 'refunded'::text, 'expired'::text])))
);


--
-- Name: TABLE payments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.payments IS 'One row per provider payment (NOWPayments payment_id), several per order; written by the backend only.';


--
-- Name: COLUMN payments.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.user_id IS 'The order''s customer; NULL once the customer was deleted from auth.';


--
-- Name: COLUMN payments.raw; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.raw IS 'The provider''s last JSON for this payment, as received.';


--
-- Name: COLUMN payments.needs_review; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.needs_review IS 'Money arrived on this payment but did not pay the order (second/child payment, wrong price, after refund): refund review.';


--
-- Name: COLUMN payments.reconcile_attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.reconcile_attempts IS 'Polls of this payment by the reconciler since its status last changed (the backoff exponent).';


--
-- Name: COLUMN payments.next_reconcile_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.next_reconcile_at IS 'The reconciler polls this payment again no earlier than this (NULL: as soon as it is old enough).';


--
-- Name: COLUMN payments.counted; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payments.counted IS 'This payment''s money was counted toward paying its order (set when the order became paid).';


--
-- Name: payment_group_root(uuid); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.payment_group_root(p_payment_row_id uuid) RETURNS public.payments
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select coalesce(
           (select r from public.payments r
             where r.provider = 'nowpayments' and r.payment_id = pm.parent_payment_id
               and r.order_id = pm.order_id),
           pm)
    from public.payments pm
   where pm.id = p_payment_row_id
$$;


--
-- Name: payment_group_verdict(text, uuid); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.payment_group_verdict(p_order_id text, p_root_id uuid) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: FUNCTION payment_group_verdict(p_order_id text, p_root_id uuid); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.payment_group_verdict(p_order_id text, p_root_id uuid) IS 'paid | overpaid | underpaid | partially_paid | wrong_currency | price_mismatch for one payment group of an order, with the amounts (owner only).';


--
-- Name: payment_hold(text, text, jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.payment_hold(p_order_id text, p_reason text, p_detail jsonb) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: payment_is_stale(jsonb, timestamp with time zone, interval); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.payment_is_stale(p_raw jsonb, p_created_at timestamp with time zone, p_max_age interval) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select coalesce(ffx_internal.provider_timestamp(p_raw ->> 'expiration_estimate_date') <= now(),
                  p_created_at <= now() - p_max_age)
$$;


--
-- Name: payment_refresh_claim(text, integer, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.payment_refresh_claim(p_payment_id text, p_min_interval_s integer, p_by text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_claimed boolean;
begin
  perform ffx_internal.require_service_role();
  if p_min_interval_s is null or p_min_interval_s not between 0 and 604800 then
    raise exception 'payment_refresh_claim: p_min_interval_s must be between 0 and 604800'
      using errcode = 'invalid_parameter_value';
  end if;
  if p_by is null or char_length(p_by) not between 1 and 64 then
    raise exception 'payment_refresh_claim: p_by must be 1 to 64 characters'
      using errcode = 'invalid_parameter_value';
  end if;

  insert into public.payment_refreshes as f (provider, payment_id, attempted_at, attempted_by)
  select pm.provider, pm.payment_id, clock_timestamp(), p_by
    from public.payments pm
   where pm.provider = 'nowpayments' and pm.payment_id = p_payment_id
  on conflict (provider, payment_id) do update
     set attempted_at = excluded.attempted_at, attempted_by = excluded.attempted_by
   where f.attempted_at <= excluded.attempted_at - make_interval(secs => p_min_interval_s)
  returning true into v_claimed;
  return coalesce(v_claimed, false);
end
$$;


--
-- Name: FUNCTION payment_refresh_claim(p_payment_id text, p_min_interval_s integer, p_by text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.payment_refresh_claim(p_payment_id text, p_min_interval_s integer, p_by text) IS 'check-payment-status and ffx-reconcile: claim the right to GET a payment from NOWPayments; true for at most one caller per payment per p_min_interval_s. service_role only.';


--
-- Name: payment_settle(text, uuid, jsonb, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.payment_settle(p_order_id text, p_root_id uuid, p_detail jsonb, p_source text) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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


--
-- Name: payment_status_rank(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.payment_status_rank(p_status text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
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


--
-- Name: FUNCTION payment_status_rank(p_status text); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.payment_status_rank(p_status text) IS 'waiting 1, confirming 2, confirmed 3, sending 4, partially_paid 5, finished 6, failed/expired 7 (terminal), refunded 8; unknown 0.';


--
-- Name: payments_discount_hold(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.payments_discount_hold() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform ffx_internal.discount_hold_core(new.order_id, false);
  return null;
end
$$;


--
-- Name: payments_reset_reconcile(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.payments_reset_reconcile() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  new.reconcile_attempts := 0;
  new.next_reconcile_at := null;
  return new;
end
$$;


--
-- Name: FUNCTION payments_reset_reconcile(); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.payments_reset_reconcile() IS 'Trigger: a change of payments.payment_status resets the reconciler''s backoff for the payment.';


--
-- Name: provider_timestamp(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.provider_timestamp(p_value text) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: reconcile_due_payments(integer, integer); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.reconcile_due_payments(p_limit integer, p_min_age_s integer) RETURNS TABLE(payment_id text, order_id text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
begin
  perform ffx_internal.require_service_role();
  if p_limit is null or p_limit not between 1 and 10000 then
    raise exception 'reconcile_due_payments: p_limit must be between 1 and 10000' using errcode = 'invalid_parameter_value';
  end if;
  if p_min_age_s is null or p_min_age_s not between 0 and 604800 then
    raise exception 'reconcile_due_payments: p_min_age_s must be between 0 and 604800' using errcode = 'invalid_parameter_value';
  end if;

  return query
  with due as (
    select p.id
      from public.payments p
     where p.payment_status in ('waiting', 'confirming', 'confirmed', 'sending', 'partially_paid')
       and p.provider = 'nowpayments'
       and (p.next_reconcile_at is null or p.next_reconcile_at <= now())
       and p.updated_at <= now() - make_interval(secs => p_min_age_s)
     order by p.next_reconcile_at nulls first, p.updated_at, p.id
     limit p_limit
       for update skip locked
  )
  update public.payments p
     set reconcile_attempts = p.reconcile_attempts + 1,
         next_reconcile_at  = now() + least(power(2, least(p.reconcile_attempts, 16)) * interval '30 seconds',
                                            interval '1 hour')
    from due
   where p.id = due.id
  returning p.payment_id, p.order_id;
end
$$;


--
-- Name: FUNCTION reconcile_due_payments(p_limit integer, p_min_age_s integer); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.reconcile_due_payments(p_limit integer, p_min_age_s integer) IS 'Reconciler: claim up to p_limit non-final payments unchanged for p_min_age_s seconds whose backoff has passed, and move their next poll forward. service_role only.';


--
-- Name: reconcile_failed_events(integer); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.reconcile_failed_events(p_limit integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_ids   bigint[];
  v_id    bigint;
  v_res   jsonb;
  v_count integer := 0;
begin
  perform ffx_internal.require_service_role();
  if p_limit is null or p_limit not between 1 and 10000 then
    raise exception 'reconcile_failed_events: p_limit must be between 1 and 10000' using errcode = 'invalid_parameter_value';
  end if;

  select array_agg(d.id order by d.due, d.id) into v_ids
    from (select e.id, coalesce(e.next_retry_at, e.received_at) as due
            from public.ipn_events e
           where (e.state = 'failed'
                  or (e.state = 'unmatched' and e.received_at > now() - interval '7 days'))
             and (e.next_retry_at is null or e.next_retry_at <= now())
           order by coalesce(e.next_retry_at, e.received_at), e.id
           limit p_limit
             for update skip locked) d;

  foreach v_id in array coalesce(v_ids, '{}')
  loop
    begin
      v_res := ffx_internal.ipn_reprocess(v_id);
      if v_res ->> 'outcome' = 'processed' then
        v_count := v_count + 1;
      end if;
    exception when others then
      raise warning 'reconcile_failed_events: event % failed: % (%)', v_id, sqlerrm, sqlstate;
    end;
    update public.ipn_events e
       set next_retry_at = case e.state
                             when 'processed' then null
                             when 'unmatched' then now() + interval '5 minutes'
                             else now() + least(power(2, least(e.attempts, 16)) * interval '30 seconds',
                                                interval '1 hour')
                           end
     where e.id = v_id;
  end loop;
  return v_count;
end
$$;


--
-- Name: FUNCTION reconcile_failed_events(p_limit integer); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.reconcile_failed_events(p_limit integer) IS 'Reconciler: re-run up to p_limit failed inbox events (backoff) and unmatched ones younger than 7 days (every 5 minutes); returns how many were processed. service_role only.';


--
-- Name: redact_jsonb(jsonb, text[], text[]); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.redact_jsonb(p_json jsonb, p_emails text[], p_names text[]) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
begin
  case pg_catalog.jsonb_typeof(p_json)
    when 'object' then
      return (select coalesce(pg_catalog.jsonb_object_agg(ffx_internal.redact_text(e.key, p_emails, p_names),
                                                         ffx_internal.redact_jsonb(e.value, p_emails, p_names)),
                              '{}'::jsonb)
                from pg_catalog.jsonb_each(p_json) e);
    when 'array' then
      return (select coalesce(pg_catalog.jsonb_agg(ffx_internal.redact_jsonb(e.value, p_emails, p_names) order by e.n),
                              '[]'::jsonb)
                from pg_catalog.jsonb_array_elements(p_json) with ordinality e (value, n));
    when 'string' then
      return pg_catalog.to_jsonb(ffx_internal.redact_text(p_json #>> '{}', p_emails, p_names));
    else
      return p_json;
  end case;
end
$$;


--
-- Name: redact_text(text, text[], text[]); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.redact_text(p_text text, p_emails text[], p_names text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
declare
  v_text text := p_text;
  v_term text;
begin
  if v_text is null then
    return null;
  end if;
  foreach v_term in array coalesce(p_emails, '{}'::text[]) loop
    continue when coalesce(v_term, '') = '';
    v_text := pg_catalog.regexp_replace(v_text,
                pg_catalog.regexp_replace(v_term, '([^[:alnum:][:space:]])', '\\\1', 'g'), '[erased]', 'gi');
  end loop;
  foreach v_term in array coalesce(p_names, '{}'::text[]) loop
    continue when coalesce(v_term, '') = '';
    v_text := pg_catalog.regexp_replace(v_text,
                '\m' || pg_catalog.regexp_replace(v_term, '([^[:alnum:][:space:]])', '\\\1', 'g') || '\M',
                '[erased]', 'gi');
  end loop;
  return v_text;
end
$$;


--
-- Name: require_admin_or_service(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.require_admin_or_service() RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
begin
  if not (ffx_internal.is_admin() or ffx_internal.is_service_role()) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
end
$$;


--
-- Name: FUNCTION require_admin_or_service(); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.require_admin_or_service() IS 'Guard: FF403 Unauthorized unless the caller carries the admin claim or is service_role.';


--
-- Name: require_service_role(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.require_service_role() RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
begin
  if not ffx_internal.is_service_role() then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
end
$$;


--
-- Name: FUNCTION require_service_role(); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.require_service_role() IS 'Guard: FF403 Unauthorized unless the caller is service_role.';


--
-- Name: runs_as_owner(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.runs_as_owner() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
  select pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE')
    from pg_catalog.pg_class c
   where c.oid = 'public.orders'::pg_catalog.regclass
$$;


--
-- Name: FUNCTION runs_as_owner(); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.runs_as_owner() IS 'True when the current role has the table owner''s privileges (superuser, owner, our SECURITY DEFINER functions); false for anon, authenticated and service_role.';


--
-- Name: shop_account_id(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_account_id(p_args jsonb) RETURNS uuid
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: shop_account_json(uuid); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_account_json(p_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: shop_changed(jsonb, jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_changed(p_old jsonb, p_new jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select coalesce(pg_catalog.jsonb_object_agg(n.key, n.value), '{}'::jsonb)
    from pg_catalog.jsonb_each(p_new) n
   where (p_old -> n.key) is distinct from n.value
$$;


--
-- Name: shop_customer_id(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_customer_id(p_args jsonb) RETURNS uuid
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: shop_customer_json(uuid); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_customer_json(p_user_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: shop_delivery_json(uuid); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_delivery_json(p_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: shop_discount_code(jsonb); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_discount_code(p_args jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
declare
  v text := pg_catalog.upper(ffx_internal.console_text(p_args, 'code', true));
begin
  if v !~ '^[A-Z0-9][A-Z0-9_-]{0,63}$' then
    raise exception using errcode = 'FF400',
      message = 'code must be 1 to 64 letters, digits, _ or -, starting with a letter or digit';
  end if;
  return v;
end
$_$;


--
-- Name: shop_discount_json(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_discount_json(p_code text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
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


--
-- Name: shop_like(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_like(p_text text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(p_text, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;


--
-- Name: shop_limit(jsonb, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_limit(p_args jsonb, p_name text) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $$
begin
  if pg_catalog.lower(ffx_internal.console_text(p_args, p_name)) = 'none' then
    return -1;
  end if;
  return ffx_internal.console_int(p_args, p_name, null, 0, 1000000000);
end
$$;


--
-- Name: shop_low_stock_level(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_low_stock_level() RETURNS integer
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select (ffx_internal.console_money_settings()).low_stock_threshold
$$;


--
-- Name: shop_percent(jsonb, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_percent(p_args jsonb, p_name text) RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: shop_placeholders(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_placeholders(p_text text) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select coalesce(pg_catalog.array_agg(distinct m[1] order by m[1]), '{}')
    from pg_catalog.regexp_matches(coalesce(p_text, ''), '\{\{ *([A-Za-z0-9_]{1,63}) *\}\}', 'g') m
$$;


--
-- Name: shop_render(text, jsonb, boolean); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_render(p_template text, p_vars jsonb, p_html boolean) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO ''
    AS $_$
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
$_$;


--
-- Name: shop_rule_columns(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_rule_columns() RETURNS TABLE(name text, is_days boolean)
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  values ('challenge_profit_target', false), ('challenge_max_daily_loss', false), ('challenge_max_total_loss', false),
         ('challenge_min_trading_days', true),
         ('phase_1_profit_target', false), ('phase_1_max_daily_loss', false), ('phase_1_max_total_loss', false),
         ('phase_1_min_trading_days', true),
         ('phase_2_profit_target', false), ('phase_2_max_daily_loss', false), ('phase_2_max_total_loss', false),
         ('phase_2_min_trading_days', true),
         ('live_max_daily_loss', false), ('live_max_total_loss', false), ('profit_share_percentage', false)
$$;


--
-- Name: shop_template_required(text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_template_required(p_template_name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select case p_template_name
           when 'account_delivery' then array['investor_password', 'login_id', 'order_id', 'password', 'server_name']
           when 'payment_review' then array['order_id']
           else '{}'::text[] end
$$;


--
-- Name: shop_template_sample(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.shop_template_sample() RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select '{"first_name": "Alex", "order_id": "FFX123456789", "account_type": "one_step", "account_size": "10000",
           "platform_type": "mt5", "server_name": "FlashFundX-Demo", "login_id": "51234567",
           "password": "Sample#Pass1", "investor_password": "Sample#Inv1", "pay_currency": "usdttrc20",
           "asked": "649.00", "received": "600.00"}'::jsonb
$$;


--
-- Name: staff_may(text, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.staff_may(p_role text, p_capability text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
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


--
-- Name: staff_role(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.staff_role() RETURNS text
    LANGUAGE sql STABLE
    AS $$
  select case
           when ffx_internal.is_service_role() then 'admin'
           when auth.jwt() -> 'app_metadata' ->> 'role' in ('admin', 'finance', 'support')
             then auth.jwt() -> 'app_metadata' ->> 'role'
         end
$$;


--
-- Name: FUNCTION staff_role(); Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON FUNCTION ffx_internal.staff_role() IS 'admin, finance or support from app_metadata.role (service_role counts as admin); NULL for everyone else.';


--
-- Name: update_updated_at_column(); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.update_updated_at_column() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  -- always the server's clock: a client-supplied updated_at is ignored
  new.updated_at := now();
  return new;
end
$$;


--
-- Name: webhook_debug_record(text, text, text, jsonb, bytea, text); Type: FUNCTION; Schema: ffx_internal; Owner: -
--

CREATE FUNCTION ffx_internal.webhook_debug_record(p_method text, p_path text, p_query text, p_headers jsonb, p_body bytea, p_client_addr text) RETURNS timestamp with time zone
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_received_at timestamptz;
begin
  insert into public.webhook_debug_log (method, path, query, headers, body, client_addr)
  values (p_method, p_path, p_query, p_headers, p_body, p_client_addr)
  returning received_at into v_received_at;

  -- identity order = arrival order; everything at or below the 1001st newest id goes
  delete from public.webhook_debug_log
   where id <= (select w.id from public.webhook_debug_log w order by w.id desc offset 1000 limit 1);

  return v_received_at;
end
$$;


--
-- Name: get_available_accounts_count(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.get_available_accounts_count() RETURNS TABLE(account_size integer, platform_type text, available_count bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select c.account_size,
         c.platform_type,
         count(*) filter (where c.status = 'available')
    from public.account_container c
   group by c.account_size, c.platform_type
   order by c.account_size, c.platform_type
$$;


--
-- Name: order_quote(uuid, text, integer, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.order_quote(p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, OUT amount numeric, OUT discount_amount numeric, OUT final_amount numeric, OUT discount_code text, OUT code_refused boolean) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if not (ffx_internal.is_service_role() or coalesce(auth.uid() = p_user_id, false)) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
  select c.amount, c.discount_amount, c.final_amount, c.discount_code, c.code_refused
    into amount, discount_amount, final_amount, discount_code, code_refused
    from ffx_internal.order_price_core(p_user_id, p_account_type, p_account_size, p_platform_type,
                                 p_discount_code, true) c;
end
$$;


--
-- Name: users; Type: TABLE; Schema: auth; Owner: -
--

CREATE TABLE auth.users (
    instance_id uuid,
    id uuid NOT NULL,
    aud character varying(255),
    role character varying(255),
    email character varying(255),
    phone text,
    raw_app_meta_data jsonb,
    raw_user_meta_data jsonb,
    email_confirmed_at timestamp with time zone,
    phone_confirmed_at timestamp with time zone,
    last_sign_in_at timestamp with time zone,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    banned_until timestamp with time zone,
    deleted_at timestamp with time zone,
    is_anonymous boolean DEFAULT false NOT NULL,
    is_sso_user boolean DEFAULT false NOT NULL
);


--
-- Name: admin_login_links; Type: TABLE; Schema: ffx_internal; Owner: -
--

CREATE TABLE ffx_internal.admin_login_links (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    secret_sha256 bytea NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    CONSTRAINT admin_login_links_check CHECK ((expires_at > created_at)),
    CONSTRAINT admin_login_links_secret_sha256_check CHECK ((octet_length(secret_sha256) = 32))
);


--
-- Name: TABLE admin_login_links; Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON TABLE ffx_internal.admin_login_links IS 'One-time panel sign-in links: the secret''s SHA-256 only; single use (used_at), short-lived (expires_at).';


--
-- Name: ipn_event_dismissals; Type: TABLE; Schema: ffx_internal; Owner: -
--

CREATE TABLE ffx_internal.ipn_event_dismissals (
    event_id bigint NOT NULL,
    reason text NOT NULL,
    dismissed_by text NOT NULL,
    dismissed_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE ipn_event_dismissals; Type: COMMENT; Schema: ffx_internal; Owner: -
--

COMMENT ON TABLE ffx_internal.ipn_event_dismissals IS 'IPN events an operator dismissed (events.dismiss): out of the attention queue and the alert.';


--
-- Name: refund_requests_id_seq; Type: SEQUENCE; Schema: ffx_internal; Owner: -
--

ALTER TABLE ffx_internal.refund_requests ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME ffx_internal.refund_requests_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: account_container; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_container (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_size integer NOT NULL,
    platform_type text NOT NULL,
    server_name text NOT NULL,
    login_id text NOT NULL,
    password text NOT NULL,
    investor_password text,
    status text DEFAULT 'available'::text NOT NULL,
    reserved_for_order_id text,
    reserved_at timestamp with time zone,
    delivered_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT account_container_account_size_check CHECK ((account_size > 0)),
    CONSTRAINT account_container_platform_type_check CHECK ((platform_type = ANY (ARRAY['mt4'::text, 'mt5'::text]))),
    CONSTRAINT account_container_status_check CHECK ((status = ANY (ARRAY['available'::text, 'reserved'::text, 'delivered'::text, 'disabled'::text])))
);


--
-- Name: admin_audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.admin_audit_log (
    id bigint NOT NULL,
    admin_id uuid DEFAULT auth.uid(),
    admin_email text DEFAULT (auth.jwt() ->> 'email'::text),
    action_type text NOT NULL,
    table_name text,
    record_id text,
    description text,
    old_values jsonb,
    new_values jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE admin_audit_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.admin_audit_log IS 'Append-only audit trail: UPDATE, DELETE and TRUNCATE are refused by triggers for every role.';


--
-- Name: admin_audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.admin_audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.admin_audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: crypto_addresses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crypto_addresses (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    crypto_name text NOT NULL,
    crypto_symbol text NOT NULL,
    network text NOT NULL,
    wallet_address text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: crypto_currency_map; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crypto_currency_map (
    code text NOT NULL,
    provider_code text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT crypto_currency_map_code_format CHECK ((code ~ '^[a-z0-9_]{1,32}$'::text)),
    CONSTRAINT crypto_currency_map_provider_code_format CHECK ((provider_code ~ '^[a-z0-9]{1,32}$'::text))
);


--
-- Name: TABLE crypto_currency_map; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.crypto_currency_map IS 'Frontend currency code -> NOWPayments pay_currency; used by crypto_payment_begin().';


--
-- Name: delivered_accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.delivered_accounts (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    order_id text NOT NULL,
    user_id uuid,
    container_account_id uuid,
    account_type text NOT NULL,
    account_size integer NOT NULL,
    platform_type text NOT NULL,
    server_name text NOT NULL,
    login_id text NOT NULL,
    password text NOT NULL,
    investor_password text,
    current_phase text NOT NULL,
    challenge_status text DEFAULT 'not_started'::text NOT NULL,
    phase_1_status text DEFAULT 'not_started'::text NOT NULL,
    phase_2_status text DEFAULT 'not_started'::text NOT NULL,
    live_status text DEFAULT 'not_started'::text NOT NULL,
    account_status text DEFAULT 'active'::text NOT NULL,
    email_sent boolean DEFAULT false NOT NULL,
    email_sent_at timestamp with time zone,
    delivered_at timestamp with time zone DEFAULT now() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT delivered_accounts_account_size_check CHECK ((account_size > 0)),
    CONSTRAINT delivered_accounts_account_status_check CHECK ((account_status = ANY (ARRAY['active'::text, 'suspended'::text, 'closed'::text, 'breached'::text]))),
    CONSTRAINT delivered_accounts_account_type_check CHECK ((account_type = ANY (ARRAY['instant'::text, 'hft'::text, 'one_step'::text, 'two_step'::text]))),
    CONSTRAINT delivered_accounts_challenge_status_check CHECK ((challenge_status = ANY (ARRAY['not_started'::text, 'active'::text, 'passed'::text, 'failed'::text]))),
    CONSTRAINT delivered_accounts_current_phase_check CHECK ((current_phase = ANY (ARRAY['challenge'::text, 'phase_1'::text, 'phase_2'::text, 'live'::text]))),
    CONSTRAINT delivered_accounts_live_status_check CHECK ((live_status = ANY (ARRAY['not_started'::text, 'active'::text, 'passed'::text, 'failed'::text]))),
    CONSTRAINT delivered_accounts_phase_1_status_check CHECK ((phase_1_status = ANY (ARRAY['not_started'::text, 'active'::text, 'passed'::text, 'failed'::text]))),
    CONSTRAINT delivered_accounts_phase_2_status_check CHECK ((phase_2_status = ANY (ARRAY['not_started'::text, 'active'::text, 'passed'::text, 'failed'::text]))),
    CONSTRAINT delivered_accounts_platform_type_check CHECK ((platform_type = ANY (ARRAY['mt4'::text, 'mt5'::text])))
);


--
-- Name: COLUMN delivered_accounts.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.delivered_accounts.user_id IS 'The customer; NULL once the customer was deleted from auth (the credentials stay with the order, readable by admins only).';


--
-- Name: discount_code_attempts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.discount_code_attempts (
    id bigint NOT NULL,
    user_id uuid NOT NULL,
    code text NOT NULL,
    accepted boolean NOT NULL,
    attempted_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE discount_code_attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.discount_code_attempts IS 'Order attempts carrying a discount code, per customer: the rate limit of order_settings.discount_attempts_per_hour.';


--
-- Name: discount_code_attempts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.discount_code_attempts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.discount_code_attempts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: discount_code_uses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.discount_code_uses (
    order_id text NOT NULL,
    code text NOT NULL,
    user_id uuid NOT NULL,
    state text NOT NULL,
    over_limit boolean DEFAULT false NOT NULL,
    held_at timestamp with time zone,
    used_at timestamp with time zone,
    released_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT discount_code_uses_state_check CHECK ((state = ANY (ARRAY['held'::text, 'used'::text, 'released'::text])))
);


--
-- Name: TABLE discount_code_uses; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.discount_code_uses IS 'One row per order holding (open payment), having used (paid) or released (failed unpaid) its discount code; discount_codes.uses/held count it.';


--
-- Name: discount_codes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.discount_codes (
    code text NOT NULL,
    percent_off numeric(5,2),
    amount_off numeric(12,2),
    valid_from timestamp with time zone,
    valid_until timestamp with time zone,
    max_uses integer,
    uses integer DEFAULT 0 NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    held integer DEFAULT 0 NOT NULL,
    max_uses_per_user integer,
    CONSTRAINT discount_codes_amount_off_check CHECK ((amount_off > (0)::numeric)),
    CONSTRAINT discount_codes_code_format CHECK ((code ~ '^[A-Z0-9][A-Z0-9_-]{0,63}$'::text)),
    CONSTRAINT discount_codes_held_check CHECK ((held >= 0)),
    CONSTRAINT discount_codes_max_uses_check CHECK ((max_uses >= 0)),
    CONSTRAINT discount_codes_max_uses_per_user_check CHECK ((max_uses_per_user >= 0)),
    CONSTRAINT discount_codes_one_kind_check CHECK (((percent_off IS NULL) <> (amount_off IS NULL))),
    CONSTRAINT discount_codes_percent_off_check CHECK (((percent_off > (0)::numeric) AND (percent_off <= (100)::numeric))),
    CONSTRAINT discount_codes_uses_check CHECK ((uses >= 0)),
    CONSTRAINT discount_codes_validity_check CHECK ((valid_until > valid_from))
);


--
-- Name: TABLE discount_codes; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.discount_codes IS 'Discount codes (percent_off or amount_off). uses is counted by orders_apply_pricing() under a row lock.';


--
-- Name: COLUMN discount_codes.max_uses; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.discount_codes.max_uses IS 'NULL = unlimited; uses + held may not reach beyond it (a late payment is honoured beyond it, and audited).';


--
-- Name: COLUMN discount_codes.uses; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.discount_codes.uses IS 'Paid orders that used the code (discount_code_uses state used); counted by the database, not editable through the API.';


--
-- Name: COLUMN discount_codes.held; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.discount_codes.held IS 'Unpaid orders holding the code while a payment is open (discount_code_uses state held); counted by the database.';


--
-- Name: COLUMN discount_codes.max_uses_per_user; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.discount_codes.max_uses_per_user IS 'NULL = unlimited; one customer''s uses + holds of the code may not reach beyond it.';


--
-- Name: email_outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.email_outbox (
    id bigint NOT NULL,
    order_id text NOT NULL,
    template_name text NOT NULL,
    to_email text NOT NULL,
    variables jsonb DEFAULT '{}'::jsonb NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    locked_until timestamp with time zone,
    last_error text,
    sent_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT email_outbox_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'sending'::text, 'sent'::text, 'failed'::text])))
);


--
-- Name: TABLE email_outbox; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.email_outbox IS 'E-mails to send, written in the transaction that caused them; worked by tools/ffx-mailer through outbox_claim/outbox_mark_sent/outbox_mark_failed.';


--
-- Name: COLUMN email_outbox.variables; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.email_outbox.variables IS 'Template values ({{name}} -> value); may hold account credentials: service_role and admins only.';


--
-- Name: email_outbox_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.email_outbox ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.email_outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: email_templates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.email_templates (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    template_name text NOT NULL,
    subject text NOT NULL,
    html_body text NOT NULL,
    text_body text,
    variables jsonb DEFAULT '[]'::jsonb NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: ipn_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.ipn_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.ipn_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: ipn_unmatched_events; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.ipn_unmatched_events WITH (security_invoker='true') AS
 SELECT e.id,
    e.received_at,
    (now() - e.received_at) AS age,
    e.payment_id,
    e.payment_status,
    e.order_id,
    e.parent_payment_id,
    e.invoice_id,
    e.attempts,
    e.processed_at AS last_attempt_at,
    e.payload
   FROM public.ipn_events e
  WHERE (e.state = 'unmatched'::text);


--
-- Name: VIEW ipn_unmatched_events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.ipn_unmatched_events IS 'IPN events no order could be matched to (admins; ipn_reprocess() retries one).';


--
-- Name: order_settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.order_settings (
    id boolean DEFAULT true NOT NULL,
    discount_attempts_per_hour integer DEFAULT 20 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    checkout_paused boolean DEFAULT false NOT NULL,
    checkout_pause_message text,
    checkout_paused_by text,
    checkout_paused_at timestamp with time zone,
    CONSTRAINT order_settings_attempts_check CHECK (((discount_attempts_per_hour >= 1) AND (discount_attempts_per_hour <= 100000))),
    CONSTRAINT order_settings_one_row CHECK (id),
    CONSTRAINT order_settings_pause_message CHECK (((NOT checkout_paused) OR (checkout_pause_message ~ '[^[:space:]]'::text)))
);


--
-- Name: TABLE order_settings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.order_settings IS 'Tunables of order creation (one row). discount_attempts_per_hour: orders carrying a discount code one customer may attempt per rolling hour.';


--
-- Name: COLUMN order_settings.checkout_paused; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.order_settings.checkout_paused IS 'While true, create-crypto-payment refuses new payments with 503 and checkout_pause_message.';


--
-- Name: trading_rules; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.trading_rules (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_type text NOT NULL,
    account_size integer NOT NULL,
    challenge_profit_target numeric(5,2),
    challenge_max_daily_loss numeric(5,2),
    challenge_max_total_loss numeric(5,2),
    challenge_min_trading_days integer,
    phase_1_profit_target numeric(5,2),
    phase_1_max_daily_loss numeric(5,2),
    phase_1_max_total_loss numeric(5,2),
    phase_1_min_trading_days integer,
    phase_2_profit_target numeric(5,2),
    phase_2_max_daily_loss numeric(5,2),
    phase_2_max_total_loss numeric(5,2),
    phase_2_min_trading_days integer,
    live_max_daily_loss numeric(5,2),
    live_max_total_loss numeric(5,2),
    profit_share_percentage numeric(5,2) DEFAULT 80 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT trading_rules_account_size_check CHECK ((account_size > 0)),
    CONSTRAINT trading_rules_account_type_check CHECK ((account_type = ANY (ARRAY['instant'::text, 'hft'::text, 'one_step'::text, 'two_step'::text]))),
    CONSTRAINT trading_rules_min_days_check CHECK (((challenge_min_trading_days >= 0) AND (phase_1_min_trading_days >= 0) AND (phase_2_min_trading_days >= 0))),
    CONSTRAINT trading_rules_percentages_check CHECK ((((challenge_profit_target >= (0)::numeric) AND (challenge_profit_target <= (100)::numeric)) AND ((challenge_max_daily_loss >= (0)::numeric) AND (challenge_max_daily_loss <= (100)::numeric)) AND ((challenge_max_total_loss >= (0)::numeric) AND (challenge_max_total_loss <= (100)::numeric)) AND ((phase_1_profit_target >= (0)::numeric) AND (phase_1_profit_target <= (100)::numeric)) AND ((phase_1_max_daily_loss >= (0)::numeric) AND (phase_1_max_daily_loss <= (100)::numeric)) AND ((phase_1_max_total_loss >= (0)::numeric) AND (phase_1_max_total_loss <= (100)::numeric)) AND ((phase_2_profit_target >= (0)::numeric) AND (phase_2_profit_target <= (100)::numeric)) AND ((phase_2_max_daily_loss >= (0)::numeric) AND (phase_2_max_daily_loss <= (100)::numeric)) AND ((phase_2_max_total_loss >= (0)::numeric) AND (phase_2_max_total_loss <= (100)::numeric)) AND ((live_max_daily_loss >= (0)::numeric) AND (live_max_daily_loss <= (100)::numeric)) AND ((live_max_total_loss >= (0)::numeric) AND (live_max_total_loss <= (100)::numeric)) AND ((profit_share_percentage >= (0)::numeric) AND (profit_share_percentage <= (100)::numeric))))
);


--
-- Name: TABLE trading_rules; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.trading_rules IS 'Rules per account type and size. Loss limits and profit targets are percentages of account_size; NULL = phase not used by that type.';


--
-- Name: user_profiles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_profiles (
    id uuid NOT NULL,
    first_name text DEFAULT ''::text NOT NULL,
    last_name text DEFAULT ''::text NOT NULL,
    email text,
    phone text,
    country text,
    marketing_consent boolean DEFAULT false NOT NULL,
    account_status text DEFAULT 'active'::text NOT NULL,
    total_orders integer DEFAULT 0 NOT NULL,
    total_spent numeric(12,2) DEFAULT 0 NOT NULL,
    signup_ip inet,
    last_login_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT user_profiles_account_status_check CHECK ((account_status = ANY (ARRAY['active'::text, 'suspended'::text, 'banned'::text]))),
    CONSTRAINT user_profiles_country_length CHECK ((char_length(country) <= 100)),
    CONSTRAINT user_profiles_first_name_length CHECK ((char_length(first_name) <= 100)),
    CONSTRAINT user_profiles_last_name_length CHECK ((char_length(last_name) <= 100)),
    CONSTRAINT user_profiles_phone_length CHECK ((char_length(phone) <= 50)),
    CONSTRAINT user_profiles_total_orders_check CHECK ((total_orders >= 0)),
    CONSTRAINT user_profiles_total_spent_check CHECK ((total_spent >= (0)::numeric))
);


--
-- Name: TABLE user_profiles; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.user_profiles IS 'Customer profile, one per auth.users row. Deliberately no password column (README "Deviations from the seed").';


--
-- Name: orders_waiting_for_stock; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.orders_waiting_for_stock WITH (security_invoker='true') AS
 SELECT o.order_id,
    o.user_id,
    p.email,
    o.account_type,
    o.account_size,
    o.platform_type,
    o.final_amount,
    o.paid_at,
    o.created_at,
    (now() - o.paid_at) AS age,
    row_number() OVER (PARTITION BY o.account_size, o.platform_type ORDER BY o.paid_at, o.created_at, o.order_id) AS queue_position,
        CASE
            WHEN (NOT (EXISTS ( SELECT 1
               FROM public.trading_rules r
              WHERE ((r.account_type = o.account_type) AND (r.account_size = o.account_size))))) THEN 'no_trading_rules'::text
            ELSE 'no_stock'::text
        END AS waiting_reason,
    ( SELECT count(*) AS count
           FROM public.account_container c
          WHERE ((c.status = 'available'::text) AND (c.account_size = o.account_size) AND (c.platform_type = o.platform_type))) AS available_accounts,
    o.needs_attention
   FROM (public.orders o
     LEFT JOIN public.user_profiles p ON ((p.id = o.user_id)))
  WHERE ((o.order_status = 'processing'::text) AND (o.payment_status = 'paid'::text) AND (o.delivery_status = 'pending'::text) AND (o.paid_at IS NOT NULL) AND (( SELECT ffx_internal.is_admin() AS is_admin) OR (COALESCE(( SELECT auth.role() AS role), 'service_role'::text) = 'service_role'::text)));


--
-- Name: VIEW orders_waiting_for_stock; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public.orders_waiting_for_stock IS 'Paid orders waiting for an account, with their age and place in the queue of their size/platform (admins).';


--
-- Name: payment_refreshes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payment_refreshes (
    provider text NOT NULL,
    payment_id text NOT NULL,
    attempted_at timestamp with time zone NOT NULL,
    attempted_by text NOT NULL,
    CONSTRAINT payment_refreshes_by_length CHECK ((char_length(attempted_by) <= 64))
);


--
-- Name: TABLE payment_refreshes; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.payment_refreshes IS 'The last GET /v1/payment/{id} attempt per payment (check-payment-status and ffx-reconcile), claimed through payment_refresh_claim().';


--
-- Name: payment_reservations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payment_reservations (
    order_id text NOT NULL,
    pay_currency text NOT NULL,
    token uuid NOT NULL,
    holder text NOT NULL,
    actor_id uuid,
    actor_email text,
    actor_role text NOT NULL,
    creates_invoice boolean NOT NULL,
    reserved_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT payment_reservations_expiry CHECK ((expires_at > reserved_at)),
    CONSTRAINT payment_reservations_holder_length CHECK ((char_length(holder) <= 200))
);


--
-- Name: TABLE payment_reservations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.payment_reservations IS 'create-crypto-payment: the call that is creating a NOWPayments payment for (order, coin), while it calls NOWPayments with no transaction open. Written only by crypto_payment_begin/record/release.';


--
-- Name: COLUMN payment_reservations.expires_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payment_reservations.expires_at IS 'reserved_at + the holder''s provider budget + 5 s; after it, another call may take the reservation over (new token).';


--
-- Name: payment_settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payment_settings (
    id boolean DEFAULT true NOT NULL,
    underpay_tolerance numeric(6,5) DEFAULT 0.005 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT payment_settings_single_row CHECK (id),
    CONSTRAINT payment_settings_underpay_tolerance_check CHECK (((underpay_tolerance >= (0)::numeric) AND (underpay_tolerance < 0.1)))
);


--
-- Name: TABLE payment_settings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.payment_settings IS 'One row: how payments are verified. scripts/migrate sets underpay_tolerance from FFX_UNDERPAY_TOLERANCE.';


--
-- Name: COLUMN payment_settings.underpay_tolerance; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payment_settings.underpay_tolerance IS 'Share of pay_amount a payment may fall short (or exceed) and still count as exact: 0.005 = 0.5 %.';


--
-- Name: payment_transactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payment_transactions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    order_id text,
    user_id uuid,
    transaction_type text DEFAULT 'payment'::text NOT NULL,
    provider text DEFAULT 'nowpayments'::text NOT NULL,
    provider_transaction_id text,
    amount numeric(20,8),
    currency text,
    status text DEFAULT 'pending'::text NOT NULL,
    event_type text,
    provider_response jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT payment_transactions_amount_check CHECK ((amount >= (0)::numeric)),
    CONSTRAINT payment_transactions_provider_check CHECK ((provider = ANY (ARRAY['lemon_squeezy'::text, 'nowpayments'::text, 'stripe'::text, 'manual'::text]))),
    CONSTRAINT payment_transactions_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'processing'::text, 'completed'::text, 'failed'::text, 'cancelled'::text]))),
    CONSTRAINT payment_transactions_transaction_type_check CHECK ((transaction_type = ANY (ARRAY['payment'::text, 'refund'::text, 'chargeback'::text])))
);


--
-- Name: COLUMN payment_transactions.user_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.payment_transactions.user_id IS 'The order''s customer; NULL once the customer was deleted from auth.';


--
-- Name: pricing; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pricing (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_type text NOT NULL,
    account_size integer NOT NULL,
    platform_type text NOT NULL,
    price_usd numeric(12,2) NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT pricing_account_size_check CHECK ((account_size > 0)),
    CONSTRAINT pricing_account_type_check CHECK ((account_type = ANY (ARRAY['instant'::text, 'hft'::text, 'one_step'::text, 'two_step'::text]))),
    CONSTRAINT pricing_platform_type_check CHECK ((platform_type = ANY (ARRAY['mt4'::text, 'mt5'::text]))),
    CONSTRAINT pricing_price_usd_check CHECK ((price_usd > (0)::numeric))
);


--
-- Name: TABLE pricing; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.pricing IS 'USD price per product; orders_apply_pricing() copies the active price into every new order.';


--
-- Name: schema_definitions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_definitions (
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE schema_definitions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.schema_definitions IS 'sha256 of each sql/definitions file as last applied; written by scripts/migrate only.';


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE schema_migrations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.schema_migrations IS 'Applied sql/migrations files; written by scripts/migrate only.';


--
-- Name: webhook_debug_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_debug_log (
    id bigint NOT NULL,
    method text,
    path text,
    query text,
    headers jsonb,
    body bytea,
    client_addr text,
    received_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: webhook_debug_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.webhook_debug_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.webhook_debug_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: users users_phone_key; Type: CONSTRAINT; Schema: auth; Owner: -
--

ALTER TABLE ONLY auth.users
    ADD CONSTRAINT users_phone_key UNIQUE (phone);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: auth; Owner: -
--

ALTER TABLE ONLY auth.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: admin_login_links admin_login_links_pkey; Type: CONSTRAINT; Schema: ffx_internal; Owner: -
--

ALTER TABLE ONLY ffx_internal.admin_login_links
    ADD CONSTRAINT admin_login_links_pkey PRIMARY KEY (id);


--
-- Name: console_settings console_settings_pkey; Type: CONSTRAINT; Schema: ffx_internal; Owner: -
--

ALTER TABLE ONLY ffx_internal.console_settings
    ADD CONSTRAINT console_settings_pkey PRIMARY KEY (id);


--
-- Name: ipn_event_dismissals ipn_event_dismissals_pkey; Type: CONSTRAINT; Schema: ffx_internal; Owner: -
--

ALTER TABLE ONLY ffx_internal.ipn_event_dismissals
    ADD CONSTRAINT ipn_event_dismissals_pkey PRIMARY KEY (event_id);


--
-- Name: refund_requests refund_requests_pkey; Type: CONSTRAINT; Schema: ffx_internal; Owner: -
--

ALTER TABLE ONLY ffx_internal.refund_requests
    ADD CONSTRAINT refund_requests_pkey PRIMARY KEY (id);


--
-- Name: account_container account_container_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_container
    ADD CONSTRAINT account_container_pkey PRIMARY KEY (id);


--
-- Name: account_container account_container_server_login_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_container
    ADD CONSTRAINT account_container_server_login_key UNIQUE (server_name, login_id);


--
-- Name: admin_audit_log admin_audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.admin_audit_log
    ADD CONSTRAINT admin_audit_log_pkey PRIMARY KEY (id);


--
-- Name: crypto_addresses crypto_addresses_crypto_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crypto_addresses
    ADD CONSTRAINT crypto_addresses_crypto_name_key UNIQUE (crypto_name);


--
-- Name: crypto_addresses crypto_addresses_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crypto_addresses
    ADD CONSTRAINT crypto_addresses_pkey PRIMARY KEY (id);


--
-- Name: crypto_currency_map crypto_currency_map_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crypto_currency_map
    ADD CONSTRAINT crypto_currency_map_pkey PRIMARY KEY (code);


--
-- Name: delivered_accounts delivered_accounts_container_account_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivered_accounts
    ADD CONSTRAINT delivered_accounts_container_account_id_key UNIQUE (container_account_id);


--
-- Name: delivered_accounts delivered_accounts_order_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivered_accounts
    ADD CONSTRAINT delivered_accounts_order_id_key UNIQUE (order_id);


--
-- Name: delivered_accounts delivered_accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivered_accounts
    ADD CONSTRAINT delivered_accounts_pkey PRIMARY KEY (id);


--
-- Name: discount_code_attempts discount_code_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.discount_code_attempts
    ADD CONSTRAINT discount_code_attempts_pkey PRIMARY KEY (id);


--
-- Name: discount_code_uses discount_code_uses_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.discount_code_uses
    ADD CONSTRAINT discount_code_uses_pkey PRIMARY KEY (order_id);


--
-- Name: discount_codes discount_codes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.discount_codes
    ADD CONSTRAINT discount_codes_pkey PRIMARY KEY (code);


--
-- Name: email_outbox email_outbox_order_id_template_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.email_outbox
    ADD CONSTRAINT email_outbox_order_id_template_name_key UNIQUE (order_id, template_name);


--
-- Name: email_outbox email_outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.email_outbox
    ADD CONSTRAINT email_outbox_pkey PRIMARY KEY (id);


--
-- Name: email_templates email_templates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.email_templates
    ADD CONSTRAINT email_templates_pkey PRIMARY KEY (id);


--
-- Name: email_templates email_templates_template_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.email_templates
    ADD CONSTRAINT email_templates_template_name_key UNIQUE (template_name);


--
-- Name: ipn_events ipn_events_dedupe_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ipn_events
    ADD CONSTRAINT ipn_events_dedupe_key_key UNIQUE (dedupe_key);


--
-- Name: ipn_events ipn_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ipn_events
    ADD CONSTRAINT ipn_events_pkey PRIMARY KEY (id);


--
-- Name: order_settings order_settings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.order_settings
    ADD CONSTRAINT order_settings_pkey PRIMARY KEY (id);


--
-- Name: orders orders_order_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_order_id_key UNIQUE (order_id);


--
-- Name: orders orders_order_id_user_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_order_id_user_id_key UNIQUE (order_id, user_id);


--
-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);


--
-- Name: payment_refreshes payment_refreshes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_refreshes
    ADD CONSTRAINT payment_refreshes_pkey PRIMARY KEY (provider, payment_id);


--
-- Name: payment_reservations payment_reservations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_reservations
    ADD CONSTRAINT payment_reservations_pkey PRIMARY KEY (order_id, pay_currency);


--
-- Name: payment_reservations payment_reservations_token_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_reservations
    ADD CONSTRAINT payment_reservations_token_key UNIQUE (token);


--
-- Name: payment_settings payment_settings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_settings
    ADD CONSTRAINT payment_settings_pkey PRIMARY KEY (id);


--
-- Name: payment_transactions payment_transactions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_transactions
    ADD CONSTRAINT payment_transactions_pkey PRIMARY KEY (id);


--
-- Name: payments payments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_pkey PRIMARY KEY (id);


--
-- Name: payments payments_provider_payment_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_provider_payment_id_key UNIQUE (provider, payment_id);


--
-- Name: pricing pricing_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pricing
    ADD CONSTRAINT pricing_pkey PRIMARY KEY (id);


--
-- Name: pricing pricing_product_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pricing
    ADD CONSTRAINT pricing_product_key UNIQUE (account_type, account_size, platform_type);


--
-- Name: schema_definitions schema_definitions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_definitions
    ADD CONSTRAINT schema_definitions_pkey PRIMARY KEY (name);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: trading_rules trading_rules_account_type_size_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.trading_rules
    ADD CONSTRAINT trading_rules_account_type_size_key UNIQUE (account_type, account_size);


--
-- Name: trading_rules trading_rules_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.trading_rules
    ADD CONSTRAINT trading_rules_pkey PRIMARY KEY (id);


--
-- Name: user_profiles user_profiles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_profiles
    ADD CONSTRAINT user_profiles_pkey PRIMARY KEY (id);


--
-- Name: webhook_debug_log webhook_debug_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_debug_log
    ADD CONSTRAINT webhook_debug_log_pkey PRIMARY KEY (id);


--
-- Name: users_email_partial_key; Type: INDEX; Schema: auth; Owner: -
--

CREATE UNIQUE INDEX users_email_partial_key ON auth.users USING btree (email) WHERE (is_sso_user = false);


--
-- Name: refund_requests_order; Type: INDEX; Schema: ffx_internal; Owner: -
--

CREATE INDEX refund_requests_order ON ffx_internal.refund_requests USING btree (order_id);


--
-- Name: refund_requests_pending; Type: INDEX; Schema: ffx_internal; Owner: -
--

CREATE INDEX refund_requests_pending ON ffx_internal.refund_requests USING btree (requested_at) WHERE (status = 'pending'::text);


--
-- Name: account_container_available_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX account_container_available_idx ON public.account_container USING btree (account_size, platform_type, created_at) WHERE (status = 'available'::text);


--
-- Name: account_container_reserved_for_order_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX account_container_reserved_for_order_id_idx ON public.account_container USING btree (reserved_for_order_id);


--
-- Name: admin_audit_log_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX admin_audit_log_created_at_idx ON public.admin_audit_log USING btree (created_at DESC);


--
-- Name: admin_audit_log_record_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX admin_audit_log_record_idx ON public.admin_audit_log USING btree (table_name, record_id);


--
-- Name: delivered_accounts_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX delivered_accounts_user_id_idx ON public.delivered_accounts USING btree (user_id);


--
-- Name: discount_code_attempts_user_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX discount_code_attempts_user_idx ON public.discount_code_attempts USING btree (user_id, attempted_at);


--
-- Name: discount_code_uses_code_user_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX discount_code_uses_code_user_idx ON public.discount_code_uses USING btree (code, user_id) WHERE (state = ANY (ARRAY['held'::text, 'used'::text]));


--
-- Name: email_outbox_status_next_attempt_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX email_outbox_status_next_attempt_at_idx ON public.email_outbox USING btree (status, next_attempt_at);


--
-- Name: ipn_events_payment_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ipn_events_payment_id_idx ON public.ipn_events USING btree (payment_id);


--
-- Name: ipn_events_retry_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ipn_events_retry_idx ON public.ipn_events USING btree (next_retry_at NULLS FIRST, received_at) WHERE (state = ANY (ARRAY['failed'::text, 'unmatched'::text]));


--
-- Name: ipn_events_state_received_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ipn_events_state_received_at_idx ON public.ipn_events USING btree (state, received_at);


--
-- Name: orders_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_created_at_idx ON public.orders USING btree (created_at DESC);


--
-- Name: orders_invoice_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_invoice_id_idx ON public.orders USING btree (invoice_id);


--
-- Name: orders_needs_attention_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_needs_attention_idx ON public.orders USING btree (needs_attention) WHERE (needs_attention IS NOT NULL);


--
-- Name: orders_payment_provider_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_payment_provider_id_idx ON public.orders USING btree (payment_provider_id);


--
-- Name: orders_statuses_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_statuses_idx ON public.orders USING btree (order_status, payment_status, delivery_status);


--
-- Name: orders_user_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_user_id_created_at_idx ON public.orders USING btree (user_id, created_at DESC);


--
-- Name: orders_waiting_for_stock_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_waiting_for_stock_idx ON public.orders USING btree (account_size, platform_type, paid_at, created_at) WHERE ((order_status = 'processing'::text) AND (payment_status = 'paid'::text) AND (delivery_status = 'pending'::text));


--
-- Name: payment_transactions_order_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payment_transactions_order_id_idx ON public.payment_transactions USING btree (order_id);


--
-- Name: payment_transactions_provider_tx_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payment_transactions_provider_tx_idx ON public.payment_transactions USING btree (provider, provider_transaction_id);


--
-- Name: payment_transactions_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payment_transactions_user_id_idx ON public.payment_transactions USING btree (user_id);


--
-- Name: payments_invoice_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payments_invoice_id_idx ON public.payments USING btree (invoice_id);


--
-- Name: payments_order_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payments_order_id_created_at_idx ON public.payments USING btree (order_id, created_at DESC);


--
-- Name: payments_parent_payment_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payments_parent_payment_id_idx ON public.payments USING btree (parent_payment_id);


--
-- Name: payments_reconcile_due_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payments_reconcile_due_idx ON public.payments USING btree (next_reconcile_at NULLS FIRST, updated_at) WHERE (payment_status = ANY (ARRAY['waiting'::text, 'confirming'::text, 'confirmed'::text, 'sending'::text, 'partially_paid'::text]));


--
-- Name: user_profiles_email_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX user_profiles_email_idx ON public.user_profiles USING btree (email);


--
-- Name: users on_auth_user_created; Type: TRIGGER; Schema: auth; Owner: -
--

CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION ffx_internal.handle_new_user();


--
-- Name: users on_auth_user_deleted; Type: TRIGGER; Schema: auth; Owner: -
--

CREATE TRIGGER on_auth_user_deleted BEFORE DELETE ON auth.users FOR EACH ROW EXECUTE FUNCTION ffx_internal.handle_user_deleted();


--
-- Name: users on_auth_user_email_changed; Type: TRIGGER; Schema: auth; Owner: -
--

CREATE TRIGGER on_auth_user_email_changed AFTER UPDATE OF email ON auth.users FOR EACH ROW WHEN (((old.email)::text IS DISTINCT FROM (new.email)::text)) EXECUTE FUNCTION ffx_internal.handle_user_email_changed();


--
-- Name: users on_auth_user_soft_deleted; Type: TRIGGER; Schema: auth; Owner: -
--

CREATE TRIGGER on_auth_user_soft_deleted AFTER UPDATE OF deleted_at ON auth.users FOR EACH ROW WHEN (((old.deleted_at IS NULL) AND (new.deleted_at IS NOT NULL))) EXECUTE FUNCTION ffx_internal.handle_user_soft_deleted();


--
-- Name: account_container account_container_stock_arrived_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER account_container_stock_arrived_insert AFTER INSERT ON public.account_container REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ffx_internal.account_container_stock_arrived();


--
-- Name: account_container account_container_stock_arrived_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER account_container_stock_arrived_update AFTER UPDATE ON public.account_container REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ffx_internal.account_container_stock_arrived();


--
-- Name: admin_audit_log admin_audit_log_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER admin_audit_log_no_truncate BEFORE TRUNCATE ON public.admin_audit_log FOR EACH STATEMENT EXECUTE FUNCTION ffx_internal.admin_audit_log_refuse_change();


--
-- Name: admin_audit_log admin_audit_log_no_update_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER admin_audit_log_no_update_delete BEFORE DELETE OR UPDATE ON public.admin_audit_log FOR EACH ROW EXECUTE FUNCTION ffx_internal.admin_audit_log_refuse_change();


--
-- Name: admin_audit_log admin_audit_log_stamp; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER admin_audit_log_stamp BEFORE INSERT ON public.admin_audit_log FOR EACH ROW EXECUTE FUNCTION ffx_internal.admin_audit_log_stamp();


--
-- Name: discount_codes discount_codes_keep_counts; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER discount_codes_keep_counts BEFORE INSERT OR UPDATE ON public.discount_codes FOR EACH ROW EXECUTE FUNCTION ffx_internal.discount_codes_keep_counts();


--
-- Name: discount_codes discount_codes_normalize_code; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER discount_codes_normalize_code BEFORE INSERT OR UPDATE OF code ON public.discount_codes FOR EACH ROW EXECUTE FUNCTION ffx_internal.discount_codes_normalize_code();


--
-- Name: email_outbox email_outbox_notify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER email_outbox_notify AFTER INSERT ON public.email_outbox FOR EACH ROW EXECUTE FUNCTION ffx_internal.email_outbox_notify();


--
-- Name: orders orders_apply_pricing; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_apply_pricing BEFORE INSERT ON public.orders FOR EACH ROW EXECUTE FUNCTION ffx_internal.orders_apply_pricing();


--
-- Name: orders orders_discount_follow; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_discount_follow AFTER UPDATE OF paid_at, order_status ON public.orders FOR EACH ROW WHEN (((new.discount_code IS NOT NULL) AND (((old.paid_at IS NULL) AND (new.paid_at IS NOT NULL)) OR ((new.paid_at IS NULL) AND (new.order_status = ANY (ARRAY['failed'::text, 'cancelled'::text])) AND (old.order_status IS DISTINCT FROM new.order_status))))) EXECUTE FUNCTION ffx_internal.orders_discount_follow();


--
-- Name: orders orders_discount_paid_on_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_discount_paid_on_insert AFTER INSERT ON public.orders FOR EACH ROW WHEN (((new.discount_code IS NOT NULL) AND (new.paid_at IS NOT NULL))) EXECUTE FUNCTION ffx_internal.orders_discount_follow();


--
-- Name: orders orders_guard_direct_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_guard_direct_update BEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION ffx_internal.orders_refuse_direct_update();


--
-- Name: orders orders_keep_order_id; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_keep_order_id BEFORE UPDATE OF order_id ON public.orders FOR EACH ROW EXECUTE FUNCTION ffx_internal.orders_keep_order_id();


--
-- Name: orders orders_set_order_id; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_set_order_id BEFORE INSERT ON public.orders FOR EACH ROW EXECUTE FUNCTION ffx_internal.orders_set_order_id();


--
-- Name: payments payments_discount_hold; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER payments_discount_hold AFTER INSERT ON public.payments FOR EACH ROW WHEN ((new.payment_status = ANY (ARRAY['waiting'::text, 'confirming'::text, 'confirmed'::text, 'sending'::text, 'partially_paid'::text]))) EXECUTE FUNCTION ffx_internal.payments_discount_hold();


--
-- Name: payments payments_reset_reconcile; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER payments_reset_reconcile BEFORE UPDATE OF payment_status ON public.payments FOR EACH ROW WHEN ((old.payment_status IS DISTINCT FROM new.payment_status)) EXECUTE FUNCTION ffx_internal.payments_reset_reconcile();


--
-- Name: account_container update_account_container_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_account_container_updated_at BEFORE UPDATE ON public.account_container FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: crypto_addresses update_crypto_addresses_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_crypto_addresses_updated_at BEFORE UPDATE ON public.crypto_addresses FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: crypto_currency_map update_crypto_currency_map_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_crypto_currency_map_updated_at BEFORE UPDATE ON public.crypto_currency_map FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: delivered_accounts update_delivered_accounts_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_delivered_accounts_updated_at BEFORE UPDATE ON public.delivered_accounts FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: discount_code_uses update_discount_code_uses_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_discount_code_uses_updated_at BEFORE UPDATE ON public.discount_code_uses FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: discount_codes update_discount_codes_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_discount_codes_updated_at BEFORE UPDATE ON public.discount_codes FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: email_outbox update_email_outbox_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_email_outbox_updated_at BEFORE UPDATE ON public.email_outbox FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: email_templates update_email_templates_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_email_templates_updated_at BEFORE UPDATE ON public.email_templates FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: order_settings update_order_settings_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_order_settings_updated_at BEFORE UPDATE ON public.order_settings FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: orders update_orders_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_orders_updated_at BEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: payment_settings update_payment_settings_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_payment_settings_updated_at BEFORE UPDATE ON public.payment_settings FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: payment_transactions update_payment_transactions_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_payment_transactions_updated_at BEFORE UPDATE ON public.payment_transactions FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: payments update_payments_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_payments_updated_at BEFORE UPDATE ON public.payments FOR EACH ROW WHEN (((to_jsonb(old.*) - ARRAY['reconcile_attempts'::text, 'next_reconcile_at'::text, 'updated_at'::text]) IS DISTINCT FROM (to_jsonb(new.*) - ARRAY['reconcile_attempts'::text, 'next_reconcile_at'::text, 'updated_at'::text]))) EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: pricing update_pricing_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_pricing_updated_at BEFORE UPDATE ON public.pricing FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: trading_rules update_trading_rules_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_trading_rules_updated_at BEFORE UPDATE ON public.trading_rules FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: user_profiles update_user_profiles_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER update_user_profiles_updated_at BEFORE UPDATE ON public.user_profiles FOR EACH ROW EXECUTE FUNCTION ffx_internal.update_updated_at_column();


--
-- Name: admin_login_links admin_login_links_user_id_fkey; Type: FK CONSTRAINT; Schema: ffx_internal; Owner: -
--

ALTER TABLE ONLY ffx_internal.admin_login_links
    ADD CONSTRAINT admin_login_links_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE;


--
-- Name: ipn_event_dismissals ipn_event_dismissals_event_id_fkey; Type: FK CONSTRAINT; Schema: ffx_internal; Owner: -
--

ALTER TABLE ONLY ffx_internal.ipn_event_dismissals
    ADD CONSTRAINT ipn_event_dismissals_event_id_fkey FOREIGN KEY (event_id) REFERENCES public.ipn_events(id) ON DELETE CASCADE;


--
-- Name: refund_requests refund_requests_order_id_fkey; Type: FK CONSTRAINT; Schema: ffx_internal; Owner: -
--

ALTER TABLE ONLY ffx_internal.refund_requests
    ADD CONSTRAINT refund_requests_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id);


--
-- Name: account_container account_container_reserved_for_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_container
    ADD CONSTRAINT account_container_reserved_for_order_id_fkey FOREIGN KEY (reserved_for_order_id) REFERENCES public.orders(order_id) ON DELETE SET NULL;


--
-- Name: delivered_accounts delivered_accounts_container_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivered_accounts
    ADD CONSTRAINT delivered_accounts_container_account_id_fkey FOREIGN KEY (container_account_id) REFERENCES public.account_container(id);


--
-- Name: delivered_accounts delivered_accounts_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivered_accounts
    ADD CONSTRAINT delivered_accounts_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id);


--
-- Name: delivered_accounts delivered_accounts_order_user_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivered_accounts
    ADD CONSTRAINT delivered_accounts_order_user_fkey FOREIGN KEY (order_id, user_id) REFERENCES public.orders(order_id, user_id);


--
-- Name: delivered_accounts delivered_accounts_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivered_accounts
    ADD CONSTRAINT delivered_accounts_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE SET NULL;


--
-- Name: discount_code_uses discount_code_uses_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.discount_code_uses
    ADD CONSTRAINT discount_code_uses_code_fkey FOREIGN KEY (code) REFERENCES public.discount_codes(code) ON UPDATE CASCADE ON DELETE CASCADE;


--
-- Name: discount_code_uses discount_code_uses_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.discount_code_uses
    ADD CONSTRAINT discount_code_uses_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id);


--
-- Name: email_outbox email_outbox_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.email_outbox
    ADD CONSTRAINT email_outbox_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id);


--
-- Name: orders orders_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE SET NULL;


--
-- Name: payment_refreshes payment_refreshes_provider_payment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_refreshes
    ADD CONSTRAINT payment_refreshes_provider_payment_id_fkey FOREIGN KEY (provider, payment_id) REFERENCES public.payments(provider, payment_id) ON DELETE CASCADE;


--
-- Name: payment_reservations payment_reservations_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_reservations
    ADD CONSTRAINT payment_reservations_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id) ON DELETE CASCADE;


--
-- Name: payment_transactions payment_transactions_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_transactions
    ADD CONSTRAINT payment_transactions_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id);


--
-- Name: payment_transactions payment_transactions_order_user_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_transactions
    ADD CONSTRAINT payment_transactions_order_user_fkey FOREIGN KEY (order_id, user_id) REFERENCES public.orders(order_id, user_id);


--
-- Name: payment_transactions payment_transactions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_transactions
    ADD CONSTRAINT payment_transactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE SET NULL;


--
-- Name: payments payments_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(order_id);


--
-- Name: payments payments_order_user_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_order_user_fkey FOREIGN KEY (order_id, user_id) REFERENCES public.orders(order_id, user_id);


--
-- Name: payments payments_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE SET NULL;


--
-- Name: user_profiles user_profiles_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_profiles
    ADD CONSTRAINT user_profiles_id_fkey FOREIGN KEY (id) REFERENCES auth.users(id) ON DELETE CASCADE;


--
-- Name: payment_settings Admins and the backend can read payment settings; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins and the backend can read payment settings" ON public.payment_settings FOR SELECT TO authenticated, service_role USING ((( SELECT ffx_internal.is_admin() AS is_admin) OR ( SELECT ffx_internal.is_service_role() AS is_service_role)));


--
-- Name: admin_audit_log Admins can append to audit log as themselves; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can append to audit log as themselves" ON public.admin_audit_log FOR INSERT TO authenticated WITH CHECK ((( SELECT ffx_internal.is_admin() AS is_admin) AND (admin_id = ( SELECT auth.uid() AS uid))));


--
-- Name: account_container Admins can manage account inventory; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage account inventory" ON public.account_container TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: delivered_accounts Admins can manage all delivered accounts; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage all delivered accounts" ON public.delivered_accounts TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: orders Admins can manage all orders; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage all orders" ON public.orders TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: payment_transactions Admins can manage all payment transactions; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage all payment transactions" ON public.payment_transactions TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: user_profiles Admins can manage all profiles; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage all profiles" ON public.user_profiles TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: crypto_addresses Admins can manage crypto addresses; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage crypto addresses" ON public.crypto_addresses TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: crypto_currency_map Admins can manage crypto currencies; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage crypto currencies" ON public.crypto_currency_map TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: discount_codes Admins can manage discount codes; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage discount codes" ON public.discount_codes TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: email_templates Admins can manage email templates; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage email templates" ON public.email_templates TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: order_settings Admins can manage order settings; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage order settings" ON public.order_settings TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: pricing Admins can manage prices; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage prices" ON public.pricing TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: trading_rules Admins can manage trading rules; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage trading rules" ON public.trading_rules TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: webhook_debug_log Admins can manage webhook debug log; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can manage webhook debug log" ON public.webhook_debug_log TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin)) WITH CHECK (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: ipn_events Admins can view IPN events; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can view IPN events" ON public.ipn_events FOR SELECT TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: payments Admins can view all payments; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can view all payments" ON public.payments FOR SELECT TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: admin_audit_log Admins can view audit log; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can view audit log" ON public.admin_audit_log FOR SELECT TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: discount_code_attempts Admins can view discount code attempts; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can view discount code attempts" ON public.discount_code_attempts FOR SELECT TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: discount_code_uses Admins can view discount code uses; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can view discount code uses" ON public.discount_code_uses FOR SELECT TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: email_outbox Admins can view the email outbox; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Admins can view the email outbox" ON public.email_outbox FOR SELECT TO authenticated USING (( SELECT ffx_internal.is_admin() AS is_admin));


--
-- Name: crypto_addresses Anyone can view active crypto addresses; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Anyone can view active crypto addresses" ON public.crypto_addresses FOR SELECT TO anon, authenticated USING (is_active);


--
-- Name: crypto_currency_map Anyone can view active crypto currencies; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Anyone can view active crypto currencies" ON public.crypto_currency_map FOR SELECT TO anon, authenticated USING (active);


--
-- Name: pricing Anyone can view active prices; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Anyone can view active prices" ON public.pricing FOR SELECT TO anon, authenticated USING (active);


--
-- Name: trading_rules Anyone can view trading rules; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Anyone can view trading rules" ON public.trading_rules FOR SELECT TO anon, authenticated USING (true);


--
-- Name: orders Users can create own orders; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Users can create own orders" ON public.orders FOR INSERT TO authenticated WITH CHECK (((( SELECT auth.uid() AS uid) = user_id) AND (order_status = 'pending'::text) AND (payment_status = 'pending'::text) AND (delivery_status = 'pending'::text) AND (payment_provider_id IS NULL) AND (invoice_id IS NULL) AND (invoice_url IS NULL) AND (pay_currency IS NULL) AND (crypto_amount IS NULL) AND (crypto_address IS NULL) AND (paid_at IS NULL) AND (delivered_at IS NULL) AND (needs_attention IS NULL)));


--
-- Name: user_profiles Users can update own profile; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Users can update own profile" ON public.user_profiles FOR UPDATE TO authenticated USING ((( SELECT auth.uid() AS uid) = id)) WITH CHECK ((( SELECT auth.uid() AS uid) = id));


--
-- Name: delivered_accounts Users can view own delivered accounts; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Users can view own delivered accounts" ON public.delivered_accounts FOR SELECT TO authenticated USING ((( SELECT auth.uid() AS uid) = user_id));


--
-- Name: orders Users can view own orders; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Users can view own orders" ON public.orders FOR SELECT TO authenticated USING ((( SELECT auth.uid() AS uid) = user_id));


--
-- Name: payment_transactions Users can view own payment transactions; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Users can view own payment transactions" ON public.payment_transactions FOR SELECT TO authenticated USING ((( SELECT auth.uid() AS uid) = user_id));


--
-- Name: payments Users can view own payments; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Users can view own payments" ON public.payments FOR SELECT TO authenticated USING ((( SELECT auth.uid() AS uid) = user_id));


--
-- Name: user_profiles Users can view own profile; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY "Users can view own profile" ON public.user_profiles FOR SELECT TO authenticated USING ((( SELECT auth.uid() AS uid) = id));


--
-- Name: account_container; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.account_container ENABLE ROW LEVEL SECURITY;

--
-- Name: admin_audit_log; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.admin_audit_log ENABLE ROW LEVEL SECURITY;

--
-- Name: crypto_addresses; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.crypto_addresses ENABLE ROW LEVEL SECURITY;

--
-- Name: crypto_currency_map; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.crypto_currency_map ENABLE ROW LEVEL SECURITY;

--
-- Name: delivered_accounts; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.delivered_accounts ENABLE ROW LEVEL SECURITY;

--
-- Name: discount_code_attempts; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.discount_code_attempts ENABLE ROW LEVEL SECURITY;

--
-- Name: discount_code_uses; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.discount_code_uses ENABLE ROW LEVEL SECURITY;

--
-- Name: discount_codes; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.discount_codes ENABLE ROW LEVEL SECURITY;

--
-- Name: email_outbox; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.email_outbox ENABLE ROW LEVEL SECURITY;

--
-- Name: email_templates; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.email_templates ENABLE ROW LEVEL SECURITY;

--
-- Name: ipn_events; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.ipn_events ENABLE ROW LEVEL SECURITY;

--
-- Name: order_settings; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.order_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: orders; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;

--
-- Name: payment_refreshes; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.payment_refreshes ENABLE ROW LEVEL SECURITY;

--
-- Name: payment_reservations; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.payment_reservations ENABLE ROW LEVEL SECURITY;

--
-- Name: payment_settings; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.payment_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: payment_transactions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.payment_transactions ENABLE ROW LEVEL SECURITY;

--
-- Name: payments; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.payments ENABLE ROW LEVEL SECURITY;

--
-- Name: pricing; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.pricing ENABLE ROW LEVEL SECURITY;

--
-- Name: schema_definitions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.schema_definitions ENABLE ROW LEVEL SECURITY;

--
-- Name: schema_migrations; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.schema_migrations ENABLE ROW LEVEL SECURITY;

--
-- Name: trading_rules; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.trading_rules ENABLE ROW LEVEL SECURITY;

--
-- Name: user_profiles; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.user_profiles ENABLE ROW LEVEL SECURITY;

--
-- Name: webhook_debug_log; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.webhook_debug_log ENABLE ROW LEVEL SECURITY;

--
-- Name: SCHEMA auth; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA auth TO anon;
GRANT USAGE ON SCHEMA auth TO authenticated;
GRANT USAGE ON SCHEMA auth TO service_role;
GRANT USAGE ON SCHEMA auth TO supabase_auth_admin;


--
-- Name: SCHEMA ffx_internal; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA ffx_internal TO authenticated;
GRANT USAGE ON SCHEMA ffx_internal TO service_role;


--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA public TO anon;
GRANT USAGE ON SCHEMA public TO authenticated;
GRANT USAGE ON SCHEMA public TO service_role;


--
-- Name: FUNCTION account_container_stock_arrived(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.account_container_stock_arrived() FROM PUBLIC;


--
-- Name: FUNCTION admin_audit_log_refuse_change(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_audit_log_refuse_change() FROM PUBLIC;


--
-- Name: FUNCTION admin_audit_log_stamp(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_audit_log_stamp() FROM PUBLIC;


--
-- Name: FUNCTION admin_cli_audit(p_action text, p_table text, p_record text, p_description text, p_old jsonb, p_new jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_cli_audit(p_action text, p_table text, p_record text, p_description text, p_old jsonb, p_new jsonb) FROM PUBLIC;


--
-- Name: FUNCTION admin_cli_check(p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_cli_check(p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_cli_check(p_reason text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_cli_check(p_reason text) TO service_role;


--
-- Name: FUNCTION admin_cli_require_reason(p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_cli_require_reason(p_reason text) FROM PUBLIC;


--
-- Name: FUNCTION admin_identity(p_email text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_identity(p_email text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_identity(p_email text) TO service_role;


--
-- Name: FUNCTION admin_inventory_import(p_rows jsonb, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_inventory_import(p_rows jsonb, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_inventory_import(p_rows jsonb, p_reason text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_inventory_import(p_rows jsonb, p_reason text) TO service_role;


--
-- Name: FUNCTION admin_inventory_set_status(p_id uuid, p_status text, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_inventory_set_status(p_id uuid, p_status text, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_inventory_set_status(p_id uuid, p_status text, p_reason text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_inventory_set_status(p_id uuid, p_status text, p_reason text) TO service_role;


--
-- Name: FUNCTION admin_inventory_stage(p_rows jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_inventory_stage(p_rows jsonb) FROM PUBLIC;


--
-- Name: FUNCTION admin_ipn_reprocess(p_event_id bigint, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_ipn_reprocess(p_event_id bigint, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_ipn_reprocess(p_event_id bigint, p_reason text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_ipn_reprocess(p_event_id bigint, p_reason text) TO service_role;


--
-- Name: FUNCTION admin_login_redeem(p_link_id uuid, p_secret text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_login_redeem(p_link_id uuid, p_secret text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_login_redeem(p_link_id uuid, p_secret text) TO service_role;


--
-- Name: FUNCTION admin_order_accept_payment(p_order_id text, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_order_accept_payment(p_order_id text, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_order_accept_payment(p_order_id text, p_reason text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_order_accept_payment(p_order_id text, p_reason text) TO service_role;


--
-- Name: FUNCTION admin_order_clear_attention(p_order_id text, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_order_clear_attention(p_order_id text, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_order_clear_attention(p_order_id text, p_reason text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_order_clear_attention(p_order_id text, p_reason text) TO service_role;


--
-- Name: FUNCTION admin_order_deliver(p_order_id text, p_reason text, p_force boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_order_deliver(p_order_id text, p_reason text, p_force boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_order_deliver(p_order_id text, p_reason text, p_force boolean) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_order_deliver(p_order_id text, p_reason text, p_force boolean) TO service_role;


--
-- Name: TABLE orders; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.orders TO authenticated;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.orders TO service_role;


--
-- Name: FUNCTION admin_order_for_update(p_order_id text, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_order_for_update(p_order_id text, p_reason text) FROM PUBLIC;


--
-- Name: FUNCTION admin_order_refund(p_order_id text, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_order_refund(p_order_id text, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_order_refund(p_order_id text, p_reason text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_order_refund(p_order_id text, p_reason text) TO service_role;


--
-- Name: FUNCTION admin_report_conversion(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_report_conversion() FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_report_conversion() TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_report_conversion() TO service_role;


--
-- Name: FUNCTION admin_report_products(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_report_products() FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_report_products() TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_report_products() TO service_role;


--
-- Name: FUNCTION admin_report_revenue(p_days integer); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_report_revenue(p_days integer) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_report_revenue(p_days integer) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_report_revenue(p_days integer) TO service_role;


--
-- Name: FUNCTION admin_resend_allowed(p_order_id text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_resend_allowed(p_order_id text) FROM PUBLIC;


--
-- Name: FUNCTION admin_resend_email(p_order_id text, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_resend_email(p_order_id text, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_resend_email(p_order_id text, p_reason text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_resend_email(p_order_id text, p_reason text) TO service_role;


--
-- Name: FUNCTION admin_set_account_status(p_user_id uuid, p_status text, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_set_account_status(p_user_id uuid, p_status text, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_set_account_status(p_user_id uuid, p_status text, p_reason text) TO authenticated;


--
-- Name: FUNCTION check_payment_status(p_order_id text, OUT owner uuid, OUT order_doc jsonb, OUT payment_doc jsonb, OUT payment_id text, OUT payment_status text, OUT payment_age_s bigint); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.check_payment_status(p_order_id text, OUT owner uuid, OUT order_doc jsonb, OUT payment_doc jsonb, OUT payment_id text, OUT payment_status text, OUT payment_age_s bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.check_payment_status(p_order_id text, OUT owner uuid, OUT order_doc jsonb, OUT payment_doc jsonb, OUT payment_id text, OUT payment_status text, OUT payment_age_s bigint) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.check_payment_status(p_order_id text, OUT owner uuid, OUT order_doc jsonb, OUT payment_doc jsonb, OUT payment_id text, OUT payment_status text, OUT payment_age_s bigint) TO service_role;


--
-- Name: FUNCTION console(p_action text, p_args jsonb, p_read_only boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console(p_action text, p_args jsonb, p_read_only boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.console(p_action text, p_args jsonb, p_read_only boolean) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.console(p_action text, p_args jsonb, p_read_only boolean) TO service_role;


--
-- Name: FUNCTION console_actions(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_actions() FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.console_actions() TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.console_actions() TO service_role;


--
-- Name: FUNCTION console_actor_key(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_actor_key() FROM PUBLIC;


--
-- Name: FUNCTION console_actor_name(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_actor_name() FROM PUBLIC;


--
-- Name: FUNCTION console_amount(p_args jsonb, p_name text, p_required boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_amount(p_args jsonb, p_name text, p_required boolean) FROM PUBLIC;


--
-- Name: FUNCTION console_arg(p_args jsonb, p_name text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_arg(p_args jsonb, p_name text) FROM PUBLIC;


--
-- Name: FUNCTION console_arg_check_scalar(p_args jsonb, p_name text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_arg_check_scalar(p_args jsonb, p_name text) FROM PUBLIC;


--
-- Name: FUNCTION console_attention(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_attention() FROM PUBLIC;


--
-- Name: FUNCTION console_audit_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_audit_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_bool(p_args jsonb, p_name text, p_default boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_bool(p_args jsonb, p_name text, p_default boolean) FROM PUBLIC;


--
-- Name: FUNCTION console_checkout_get(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_checkout_get(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_checkout_pause(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_checkout_pause(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_checkout_resume(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_checkout_resume(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_checkout_set(p_paused boolean, p_message text, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_checkout_set(p_paused boolean, p_message text, p_reason text) FROM PUBLIC;


--
-- Name: FUNCTION console_coins_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_coins_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_coins_set(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_coins_set(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_credentials_reveal(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_credentials_reveal(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_csv_field(p_value text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_csv_field(p_value text) FROM PUBLIC;


--
-- Name: FUNCTION console_csv_line(p_fields text[]); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_csv_line(p_fields text[]) FROM PUBLIC;


--
-- Name: FUNCTION console_customers_get(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_customers_get(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_customers_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_customers_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_customers_set_email(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_customers_set_email(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_customers_set_status(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_customers_set_status(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_dashboard_get(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_dashboard_get(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_deliveries_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_deliveries_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_deliveries_set_status(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_deliveries_set_status(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_discounts_create(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_discounts_create(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_discounts_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_discounts_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_discounts_update(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_discounts_update(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_discounts_uses(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_discounts_uses(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_enum(p_args jsonb, p_name text, p_allowed text[], p_default text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_enum(p_args jsonb, p_name text, p_allowed text[], p_default text) FROM PUBLIC;


--
-- Name: TABLE ipn_events; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.ipn_events TO authenticated;
GRANT SELECT ON TABLE public.ipn_events TO service_role;


--
-- Name: FUNCTION console_event_brief(e public.ipn_events); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_event_brief(e public.ipn_events) FROM PUBLIC;


--
-- Name: FUNCTION console_event_locked(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_event_locked(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_events_dismiss(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_events_dismiss(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_events_get(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_events_get(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_events_link(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_events_link(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_events_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_events_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_events_reprocess(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_events_reprocess(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_export_finance(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_export_finance(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_finance_lines(p_from timestamp with time zone, p_to timestamp with time zone, p_kind text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_finance_lines(p_from timestamp with time zone, p_to timestamp with time zone, p_kind text) FROM PUBLIC;


--
-- Name: FUNCTION console_int(p_args jsonb, p_name text, p_default integer, p_min integer, p_max integer); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_int(p_args jsonb, p_name text, p_default integer, p_min integer, p_max integer) FROM PUBLIC;


--
-- Name: FUNCTION console_inventory_import(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_inventory_import(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_inventory_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_inventory_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_inventory_set_status(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_inventory_set_status(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_inventory_stock(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_inventory_stock(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_inventory_update(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_inventory_update(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_lock_down(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_lock_down() FROM PUBLIC;


--
-- Name: FUNCTION console_login_links_create(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_login_links_create(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_me_get(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_me_get(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_money_settings(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_money_settings() FROM PUBLIC;


--
-- Name: FUNCTION console_order_brief(p_order_id text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_order_brief(p_order_id text) FROM PUBLIC;


--
-- Name: FUNCTION console_order_id(p_args jsonb, p_name text, p_required boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_order_id(p_args jsonb, p_name text, p_required boolean) FROM PUBLIC;


--
-- Name: FUNCTION console_order_locked(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_order_locked(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_orders_accept_payment(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_orders_accept_payment(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_orders_cancel(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_orders_cancel(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_orders_clear_attention(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_orders_clear_attention(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_orders_deliver(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_orders_deliver(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_orders_get(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_orders_get(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_orders_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_orders_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_orders_record_payment(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_orders_record_payment(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_orders_refund(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_orders_refund(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_orders_resend_email(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_orders_resend_email(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_page(p_args jsonb, OUT lim integer, OUT off integer); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_page(p_args jsonb, OUT lim integer, OUT off integer) FROM PUBLIC;


--
-- Name: FUNCTION console_pricing_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_pricing_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_pricing_set(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_pricing_set(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_reason(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_reason(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_refund_carry_out(o public.orders, p_amount numeric, p_reason text, p_action text, p_extra jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_refund_carry_out(o public.orders, p_amount numeric, p_reason text, p_action text, p_extra jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_refund_check(o public.orders, p_amount numeric); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_refund_check(o public.orders, p_amount numeric) FROM PUBLIC;


--
-- Name: FUNCTION console_refund_request_locked(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_refund_request_locked(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_refundable(o public.orders); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_refundable(o public.orders) FROM PUBLIC;


--
-- Name: FUNCTION console_refunds_approve(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_refunds_approve(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_refunds_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_refunds_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_refunds_reject(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_refunds_reject(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_revenue(p_from timestamp with time zone, p_to timestamp with time zone); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_revenue(p_from timestamp with time zone, p_to timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION console_rules_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_rules_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_rules_set(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_rules_set(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_settings_get(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_settings_get(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_settings_set(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_settings_set(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_staff_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_staff_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_staff_set_role(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_staff_set_role(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_templates_list(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_templates_list(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_templates_preview(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_templates_preview(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_templates_set(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_templates_set(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION console_text(p_args jsonb, p_name text, p_required boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_text(p_args jsonb, p_name text, p_required boolean) FROM PUBLIC;


--
-- Name: FUNCTION console_time(p_args jsonb, p_name text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_time(p_args jsonb, p_name text) FROM PUBLIC;


--
-- Name: FUNCTION console_uuid(p_args jsonb, p_name text, p_required boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.console_uuid(p_args jsonb, p_name text, p_required boolean) FROM PUBLIC;


--
-- Name: FUNCTION crypto_payment_begin(p_order_id text, p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_amount numeric, p_final_amount numeric, p_crypto_currency text, p_holder text, p_budget_ms integer); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.crypto_payment_begin(p_order_id text, p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_amount numeric, p_final_amount numeric, p_crypto_currency text, p_holder text, p_budget_ms integer) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.crypto_payment_begin(p_order_id text, p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_amount numeric, p_final_amount numeric, p_crypto_currency text, p_holder text, p_budget_ms integer) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.crypto_payment_begin(p_order_id text, p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_amount numeric, p_final_amount numeric, p_crypto_currency text, p_holder text, p_budget_ms integer) TO service_role;


--
-- Name: FUNCTION crypto_payment_open(p_order_id text, p_coin text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.crypto_payment_open(p_order_id text, p_coin text) FROM PUBLIC;


--
-- Name: FUNCTION crypto_payment_record(p_order_id text, p_token uuid, p_invoice jsonb, p_payment jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.crypto_payment_record(p_order_id text, p_token uuid, p_invoice jsonb, p_payment jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.crypto_payment_record(p_order_id text, p_token uuid, p_invoice jsonb, p_payment jsonb) TO service_role;


--
-- Name: FUNCTION crypto_payment_release(p_order_id text, p_token uuid); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.crypto_payment_release(p_order_id text, p_token uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.crypto_payment_release(p_order_id text, p_token uuid) TO service_role;


--
-- Name: FUNCTION customer_is_active(p_user_id uuid); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.customer_is_active(p_user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION deliver_account_core(p_order_id text, p_user_id uuid, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.deliver_account_core(p_order_id text, p_user_id uuid, p_reason text) FROM PUBLIC;


--
-- Name: FUNCTION deliver_account_to_user(p_order_id text, p_user_id uuid); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.deliver_account_to_user(p_order_id text, p_user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.deliver_account_to_user(p_order_id text, p_user_id uuid) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.deliver_account_to_user(p_order_id text, p_user_id uuid) TO service_role;


--
-- Name: FUNCTION deliver_account_unchecked(p_order_id text, p_user_id uuid, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.deliver_account_unchecked(p_order_id text, p_user_id uuid, p_reason text) FROM PUBLIC;


--
-- Name: FUNCTION deliver_waiting_core(p_account_size integer, p_platform_type text, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.deliver_waiting_core(p_account_size integer, p_platform_type text, p_reason text) FROM PUBLIC;


--
-- Name: FUNCTION deliver_waiting_orders(p_account_size integer, p_platform_type text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.deliver_waiting_orders(p_account_size integer, p_platform_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.deliver_waiting_orders(p_account_size integer, p_platform_type text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.deliver_waiting_orders(p_account_size integer, p_platform_type text) TO service_role;


--
-- Name: FUNCTION discount_attempt_admit(p_user_id uuid); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.discount_attempt_admit(p_user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION discount_attempt_record(p_user_id uuid, p_code text, p_accepted boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.discount_attempt_record(p_user_id uuid, p_code text, p_accepted boolean) FROM PUBLIC;


--
-- Name: FUNCTION discount_code_uses_backfill(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.discount_code_uses_backfill() FROM PUBLIC;


--
-- Name: FUNCTION discount_code_verdict(p_code text, p_user_id uuid, p_price numeric, OUT discount numeric, OUT valid boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.discount_code_verdict(p_code text, p_user_id uuid, p_price numeric, OUT discount numeric, OUT valid boolean) FROM PUBLIC;


--
-- Name: FUNCTION discount_codes_keep_counts(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.discount_codes_keep_counts() FROM PUBLIC;


--
-- Name: FUNCTION discount_codes_normalize_code(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.discount_codes_normalize_code() FROM PUBLIC;


--
-- Name: FUNCTION discount_hold_core(p_order_id text, p_strict boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.discount_hold_core(p_order_id text, p_strict boolean) FROM PUBLIC;


--
-- Name: FUNCTION discount_hold_release(p_order_id text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.discount_hold_release(p_order_id text) FROM PUBLIC;


--
-- Name: FUNCTION discount_hold_take(p_order_id text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.discount_hold_take(p_order_id text) FROM PUBLIC;


--
-- Name: FUNCTION discount_holds_release_stale(p_max_age interval); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.discount_holds_release_stale(p_max_age interval) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.discount_holds_release_stale(p_max_age interval) TO service_role;


--
-- Name: FUNCTION discount_use_consume(p_order_id text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.discount_use_consume(p_order_id text) FROM PUBLIC;


--
-- Name: FUNCTION email_outbox_notify(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.email_outbox_notify() FROM PUBLIC;


--
-- Name: FUNCTION erase_customer(p_user_id uuid, p_auth_email text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.erase_customer(p_user_id uuid, p_auth_email text) FROM PUBLIC;


--
-- Name: FUNCTION expire_stale_orders(p_max_age interval); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.expire_stale_orders(p_max_age interval) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.expire_stale_orders(p_max_age interval) TO service_role;


--
-- Name: FUNCTION generate_order_id(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.generate_order_id() FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.generate_order_id() TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.generate_order_id() TO service_role;


--
-- Name: FUNCTION handle_new_user(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.handle_new_user() FROM PUBLIC;


--
-- Name: FUNCTION handle_user_deleted(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.handle_user_deleted() FROM PUBLIC;


--
-- Name: FUNCTION handle_user_email_changed(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.handle_user_email_changed() FROM PUBLIC;


--
-- Name: FUNCTION handle_user_soft_deleted(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.handle_user_soft_deleted() FROM PUBLIC;


--
-- Name: FUNCTION ipn_dedupe_key(p_payload jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.ipn_dedupe_key(p_payload jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.ipn_dedupe_key(p_payload jsonb) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.ipn_dedupe_key(p_payload jsonb) TO service_role;


--
-- Name: FUNCTION ipn_process_event(p_event_id bigint); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.ipn_process_event(p_event_id bigint) FROM PUBLIC;


--
-- Name: FUNCTION ipn_receive(p_payload jsonb, p_signature text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.ipn_receive(p_payload jsonb, p_signature text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.ipn_receive(p_payload jsonb, p_signature text) TO service_role;


--
-- Name: FUNCTION ipn_reprocess(p_event_id bigint); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.ipn_reprocess(p_event_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.ipn_reprocess(p_event_id bigint) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.ipn_reprocess(p_event_id bigint) TO service_role;


--
-- Name: FUNCTION is_admin(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.is_admin() FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.is_admin() TO anon;
GRANT ALL ON FUNCTION ffx_internal.is_admin() TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.is_admin() TO service_role;


--
-- Name: FUNCTION is_service_role(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.is_service_role() FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.is_service_role() TO anon;
GRANT ALL ON FUNCTION ffx_internal.is_service_role() TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.is_service_role() TO service_role;


--
-- Name: FUNCTION may_act_for(p_user_id uuid); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.may_act_for(p_user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.may_act_for(p_user_id uuid) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.may_act_for(p_user_id uuid) TO service_role;


--
-- Name: FUNCTION metrics_gauges(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.metrics_gauges() FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.metrics_gauges() TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.metrics_gauges() TO service_role;


--
-- Name: FUNCTION order_base_price(p_account_type text, p_account_size integer, p_platform_type text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.order_base_price(p_account_type text, p_account_size integer, p_platform_type text) FROM PUBLIC;


--
-- Name: FUNCTION order_buyer_check(p_user_id uuid); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.order_buyer_check(p_user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION order_create(p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, OUT order_doc jsonb, OUT error text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.order_create(p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, OUT order_doc jsonb, OUT error text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.order_create(p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, OUT order_doc jsonb, OUT error text) TO authenticated;


--
-- Name: FUNCTION order_is_stale(p_order_id text, p_max_age interval); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.order_is_stale(p_order_id text, p_max_age interval) FROM PUBLIC;


--
-- Name: FUNCTION order_payment_status(p_order_id text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.order_payment_status(p_order_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.order_payment_status(p_order_id text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.order_payment_status(p_order_id text) TO service_role;


--
-- Name: FUNCTION order_price_core(p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, p_count_attempt boolean, OUT amount numeric, OUT discount_amount numeric, OUT final_amount numeric, OUT discount_code text, OUT code_refused boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.order_price_core(p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, p_count_attempt boolean, OUT amount numeric, OUT discount_amount numeric, OUT final_amount numeric, OUT discount_code text, OUT code_refused boolean) FROM PUBLIC;


--
-- Name: FUNCTION order_refunded_manually(p_order_id text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.order_refunded_manually(p_order_id text) FROM PUBLIC;


--
-- Name: FUNCTION order_refunded_usd(o public.orders); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.order_refunded_usd(o public.orders) FROM PUBLIC;


--
-- Name: FUNCTION orders_apply_pricing(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.orders_apply_pricing() FROM PUBLIC;


--
-- Name: FUNCTION orders_discount_follow(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.orders_discount_follow() FROM PUBLIC;


--
-- Name: FUNCTION orders_insert_defaults(o public.orders); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.orders_insert_defaults(o public.orders) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.orders_insert_defaults(o public.orders) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.orders_insert_defaults(o public.orders) TO service_role;


--
-- Name: FUNCTION orders_keep_order_id(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.orders_keep_order_id() FROM PUBLIC;


--
-- Name: FUNCTION orders_refuse_direct_update(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.orders_refuse_direct_update() FROM PUBLIC;


--
-- Name: FUNCTION orders_set_order_id(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.orders_set_order_id() FROM PUBLIC;


--
-- Name: FUNCTION outbox_claim(p_limit integer, p_lease_seconds integer); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.outbox_claim(p_limit integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.outbox_claim(p_limit integer, p_lease_seconds integer) TO service_role;


--
-- Name: FUNCTION outbox_mark_failed(p_id bigint, p_error text, p_max_attempts integer); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.outbox_mark_failed(p_id bigint, p_error text, p_max_attempts integer) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.outbox_mark_failed(p_id bigint, p_error text, p_max_attempts integer) TO service_role;


--
-- Name: FUNCTION outbox_mark_sent(p_id bigint); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.outbox_mark_sent(p_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.outbox_mark_sent(p_id bigint) TO service_role;


--
-- Name: FUNCTION outbox_requeue(p_id bigint); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.outbox_requeue(p_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.outbox_requeue(p_id bigint) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.outbox_requeue(p_id bigint) TO service_role;


--
-- Name: FUNCTION payment_apply(p_payment jsonb, p_source text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.payment_apply(p_payment jsonb, p_source text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.payment_apply(p_payment jsonb, p_source text) TO service_role;


--
-- Name: TABLE payments; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.payments TO authenticated;
GRANT SELECT ON TABLE public.payments TO service_role;


--
-- Name: FUNCTION payment_group_root(p_payment_row_id uuid); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.payment_group_root(p_payment_row_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION payment_group_verdict(p_order_id text, p_root_id uuid); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.payment_group_verdict(p_order_id text, p_root_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION payment_hold(p_order_id text, p_reason text, p_detail jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.payment_hold(p_order_id text, p_reason text, p_detail jsonb) FROM PUBLIC;


--
-- Name: FUNCTION payment_is_stale(p_raw jsonb, p_created_at timestamp with time zone, p_max_age interval); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.payment_is_stale(p_raw jsonb, p_created_at timestamp with time zone, p_max_age interval) FROM PUBLIC;


--
-- Name: FUNCTION payment_refresh_claim(p_payment_id text, p_min_interval_s integer, p_by text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.payment_refresh_claim(p_payment_id text, p_min_interval_s integer, p_by text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.payment_refresh_claim(p_payment_id text, p_min_interval_s integer, p_by text) TO service_role;


--
-- Name: FUNCTION payment_settle(p_order_id text, p_root_id uuid, p_detail jsonb, p_source text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.payment_settle(p_order_id text, p_root_id uuid, p_detail jsonb, p_source text) FROM PUBLIC;


--
-- Name: FUNCTION payment_status_rank(p_status text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.payment_status_rank(p_status text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.payment_status_rank(p_status text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.payment_status_rank(p_status text) TO service_role;


--
-- Name: FUNCTION payments_discount_hold(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.payments_discount_hold() FROM PUBLIC;


--
-- Name: FUNCTION payments_reset_reconcile(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.payments_reset_reconcile() FROM PUBLIC;


--
-- Name: FUNCTION provider_timestamp(p_value text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.provider_timestamp(p_value text) FROM PUBLIC;


--
-- Name: FUNCTION reconcile_due_payments(p_limit integer, p_min_age_s integer); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.reconcile_due_payments(p_limit integer, p_min_age_s integer) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.reconcile_due_payments(p_limit integer, p_min_age_s integer) TO service_role;


--
-- Name: FUNCTION reconcile_failed_events(p_limit integer); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.reconcile_failed_events(p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.reconcile_failed_events(p_limit integer) TO service_role;


--
-- Name: FUNCTION redact_jsonb(p_json jsonb, p_emails text[], p_names text[]); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.redact_jsonb(p_json jsonb, p_emails text[], p_names text[]) FROM PUBLIC;


--
-- Name: FUNCTION redact_text(p_text text, p_emails text[], p_names text[]); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.redact_text(p_text text, p_emails text[], p_names text[]) FROM PUBLIC;


--
-- Name: FUNCTION require_admin_or_service(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.require_admin_or_service() FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.require_admin_or_service() TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.require_admin_or_service() TO service_role;


--
-- Name: FUNCTION require_service_role(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.require_service_role() FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.require_service_role() TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.require_service_role() TO service_role;


--
-- Name: FUNCTION runs_as_owner(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.runs_as_owner() FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.runs_as_owner() TO anon;
GRANT ALL ON FUNCTION ffx_internal.runs_as_owner() TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.runs_as_owner() TO service_role;


--
-- Name: FUNCTION shop_account_id(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_account_id(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION shop_account_json(p_id uuid); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_account_json(p_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION shop_changed(p_old jsonb, p_new jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_changed(p_old jsonb, p_new jsonb) FROM PUBLIC;


--
-- Name: FUNCTION shop_customer_id(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_customer_id(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION shop_customer_json(p_user_id uuid); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_customer_json(p_user_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION shop_delivery_json(p_id uuid); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_delivery_json(p_id uuid) FROM PUBLIC;


--
-- Name: FUNCTION shop_discount_code(p_args jsonb); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_discount_code(p_args jsonb) FROM PUBLIC;


--
-- Name: FUNCTION shop_discount_json(p_code text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_discount_json(p_code text) FROM PUBLIC;


--
-- Name: FUNCTION shop_like(p_text text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_like(p_text text) FROM PUBLIC;


--
-- Name: FUNCTION shop_limit(p_args jsonb, p_name text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_limit(p_args jsonb, p_name text) FROM PUBLIC;


--
-- Name: FUNCTION shop_low_stock_level(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_low_stock_level() FROM PUBLIC;


--
-- Name: FUNCTION shop_percent(p_args jsonb, p_name text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_percent(p_args jsonb, p_name text) FROM PUBLIC;


--
-- Name: FUNCTION shop_placeholders(p_text text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_placeholders(p_text text) FROM PUBLIC;


--
-- Name: FUNCTION shop_render(p_template text, p_vars jsonb, p_html boolean); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_render(p_template text, p_vars jsonb, p_html boolean) FROM PUBLIC;


--
-- Name: FUNCTION shop_rule_columns(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_rule_columns() FROM PUBLIC;


--
-- Name: FUNCTION shop_template_required(p_template_name text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_template_required(p_template_name text) FROM PUBLIC;


--
-- Name: FUNCTION shop_template_sample(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.shop_template_sample() FROM PUBLIC;


--
-- Name: FUNCTION staff_may(p_role text, p_capability text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.staff_may(p_role text, p_capability text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.staff_may(p_role text, p_capability text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.staff_may(p_role text, p_capability text) TO service_role;


--
-- Name: FUNCTION staff_role(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.staff_role() FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.staff_role() TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.staff_role() TO service_role;


--
-- Name: FUNCTION update_updated_at_column(); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.update_updated_at_column() FROM PUBLIC;


--
-- Name: FUNCTION webhook_debug_record(p_method text, p_path text, p_query text, p_headers jsonb, p_body bytea, p_client_addr text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.webhook_debug_record(p_method text, p_path text, p_query text, p_headers jsonb, p_body bytea, p_client_addr text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.webhook_debug_record(p_method text, p_path text, p_query text, p_headers jsonb, p_body bytea, p_client_addr text) TO service_role;


--
-- Name: FUNCTION get_available_accounts_count(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.get_available_accounts_count() FROM PUBLIC;
GRANT ALL ON FUNCTION public.get_available_accounts_count() TO authenticated;
GRANT ALL ON FUNCTION public.get_available_accounts_count() TO service_role;


--
-- Name: FUNCTION order_quote(p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, OUT amount numeric, OUT discount_amount numeric, OUT final_amount numeric, OUT discount_code text, OUT code_refused boolean); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.order_quote(p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, OUT amount numeric, OUT discount_amount numeric, OUT final_amount numeric, OUT discount_code text, OUT code_refused boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.order_quote(p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, OUT amount numeric, OUT discount_amount numeric, OUT final_amount numeric, OUT discount_code text, OUT code_refused boolean) TO authenticated;
GRANT ALL ON FUNCTION public.order_quote(p_user_id uuid, p_account_type text, p_account_size integer, p_platform_type text, p_discount_code text, OUT amount numeric, OUT discount_amount numeric, OUT final_amount numeric, OUT discount_code text, OUT code_refused boolean) TO service_role;


--
-- Name: TABLE users; Type: ACL; Schema: auth; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE auth.users TO supabase_auth_admin;


--
-- Name: TABLE account_container; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.account_container TO authenticated;
GRANT SELECT ON TABLE public.account_container TO service_role;


--
-- Name: TABLE admin_audit_log; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.admin_audit_log TO authenticated;
GRANT SELECT ON TABLE public.admin_audit_log TO service_role;


--
-- Name: TABLE crypto_addresses; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.crypto_addresses TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.crypto_addresses TO authenticated;
GRANT SELECT ON TABLE public.crypto_addresses TO service_role;


--
-- Name: TABLE crypto_currency_map; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.crypto_currency_map TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.crypto_currency_map TO authenticated;
GRANT SELECT ON TABLE public.crypto_currency_map TO service_role;


--
-- Name: TABLE delivered_accounts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.delivered_accounts TO authenticated;
GRANT SELECT ON TABLE public.delivered_accounts TO service_role;


--
-- Name: TABLE discount_code_attempts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.discount_code_attempts TO authenticated;
GRANT SELECT ON TABLE public.discount_code_attempts TO service_role;


--
-- Name: TABLE discount_code_uses; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.discount_code_uses TO authenticated;
GRANT SELECT ON TABLE public.discount_code_uses TO service_role;


--
-- Name: TABLE discount_codes; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.discount_codes TO authenticated;
GRANT SELECT ON TABLE public.discount_codes TO service_role;


--
-- Name: TABLE email_outbox; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.email_outbox TO authenticated;
GRANT SELECT ON TABLE public.email_outbox TO service_role;


--
-- Name: TABLE email_templates; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.email_templates TO authenticated;
GRANT SELECT ON TABLE public.email_templates TO service_role;


--
-- Name: TABLE ipn_unmatched_events; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.ipn_unmatched_events TO authenticated;
GRANT SELECT ON TABLE public.ipn_unmatched_events TO service_role;


--
-- Name: TABLE order_settings; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,UPDATE ON TABLE public.order_settings TO authenticated;
GRANT SELECT ON TABLE public.order_settings TO service_role;


--
-- Name: TABLE trading_rules; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.trading_rules TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.trading_rules TO authenticated;
GRANT SELECT ON TABLE public.trading_rules TO service_role;


--
-- Name: TABLE user_profiles; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE ON TABLE public.user_profiles TO authenticated;
GRANT SELECT ON TABLE public.user_profiles TO service_role;


--
-- Name: COLUMN user_profiles.first_name; Type: ACL; Schema: public; Owner: -
--

GRANT UPDATE(first_name) ON TABLE public.user_profiles TO authenticated;


--
-- Name: COLUMN user_profiles.last_name; Type: ACL; Schema: public; Owner: -
--

GRANT UPDATE(last_name) ON TABLE public.user_profiles TO authenticated;


--
-- Name: COLUMN user_profiles.phone; Type: ACL; Schema: public; Owner: -
--

GRANT UPDATE(phone) ON TABLE public.user_profiles TO authenticated;


--
-- Name: COLUMN user_profiles.country; Type: ACL; Schema: public; Owner: -
--

GRANT UPDATE(country) ON TABLE public.user_profiles TO authenticated;


--
-- Name: COLUMN user_profiles.marketing_consent; Type: ACL; Schema: public; Owner: -
--

GRANT UPDATE(marketing_consent) ON TABLE public.user_profiles TO authenticated;


--
-- Name: TABLE orders_waiting_for_stock; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.orders_waiting_for_stock TO authenticated;
GRANT SELECT ON TABLE public.orders_waiting_for_stock TO service_role;


--
-- Name: TABLE payment_settings; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.payment_settings TO authenticated;
GRANT SELECT ON TABLE public.payment_settings TO service_role;


--
-- Name: TABLE payment_transactions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.payment_transactions TO authenticated;
GRANT SELECT ON TABLE public.payment_transactions TO service_role;


--
-- Name: TABLE pricing; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.pricing TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.pricing TO authenticated;
GRANT SELECT ON TABLE public.pricing TO service_role;


--
-- Name: TABLE webhook_debug_log; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.webhook_debug_log TO authenticated;
GRANT SELECT ON TABLE public.webhook_debug_log TO service_role;


--
-- PostgreSQL database dump complete
--


