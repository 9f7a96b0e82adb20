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
  perform ffx_internal.require_admin_or_service();
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
    AS $_$
declare
  v_errors    jsonb;
  v_ids       uuid[];
  v_delivered integer;
begin
  perform ffx_internal.admin_cli_check(coalesce(p_reason, 'inventory import'));
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

  perform ffx_internal.admin_cli_audit('inventory_import', 'account_container', null,
    coalesce(p_reason, format('%s accounts imported', cardinality(v_ids))), null,
    jsonb_build_object('imported', cardinality(v_ids), 'delivered', v_delivered,
                       'lines', (select jsonb_agg(jsonb_build_object('size', r.size, 'platform', r.platform,
                                                                      'server', r.server, 'login', r.login)
                                                    order by r.line) from pg_temp.admin_import_rows r)));
  return jsonb_build_object('success', true, 'imported', cardinality(v_ids), 'delivered', v_delivered);
end
$_$;


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
begin
  o := ffx_internal.admin_order_for_update(p_order_id, p_reason);
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

  perform ffx_internal.admin_cli_audit('order_refund', 'orders', o.order_id, p_reason,
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
      full join (select e.state, count(*) as n from public.ipn_events e group by e.state) c
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
    CONSTRAINT order_settings_attempts_check CHECK (((discount_attempts_per_hour >= 1) AND (discount_attempts_per_hour <= 100000))),
    CONSTRAINT order_settings_one_row CHECK (id)
);


--
-- Name: TABLE order_settings; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.order_settings IS 'Tunables of order creation (one row). discount_attempts_per_hour: orders carrying a discount code one customer may attempt per rolling hour.';


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
-- Name: FUNCTION admin_ipn_reprocess(p_event_id bigint, p_reason text); Type: ACL; Schema: ffx_internal; Owner: -
--

REVOKE ALL ON FUNCTION ffx_internal.admin_ipn_reprocess(p_event_id bigint, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION ffx_internal.admin_ipn_reprocess(p_event_id bigint, p_reason text) TO authenticated;
GRANT ALL ON FUNCTION ffx_internal.admin_ipn_reprocess(p_event_id bigint, p_reason text) TO service_role;


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
-- Name: TABLE ipn_events; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.ipn_events TO authenticated;
GRANT SELECT ON TABLE public.ipn_events TO service_role;


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


