-- 80_reconcile: the database half of ffx-reconcile, the sweeper that makes the payment lifecycle
-- converge when an IPN is lost, a process dies between two steps, or an order is abandoned.
--
-- ffx-reconcile (tools/ffx-reconcile) runs one pass every FFX_RECONCILE_INTERVAL seconds, each
-- step in its own short transaction as service_role:
--
--   reconcile_due_payments(batch, min_age)   claim non-final payments due for a poll (backoff per
--                                            payment); then, per payment, GET /v1/payment/{id} and
--                                            payment_apply(raw, 'reconcile') in its own transaction
--   reconcile_failed_events(batch)           re-run inbox events that failed or found no order
--   expire_stale_orders(max_age)             fail orders whose only payments expired unpaid
--   deliver_waiting_orders()                 paid orders still waiting for stock (60_delivery)
--   discount_holds_release_stale(max_age)    discount-code holds no payment backs (32_discount_codes)
--
-- Every state change still goes through payment_apply (50_payments): the reconciler adds no
-- second state machine, only ways of feeding the one there is.
--
-- Several reconcilers may run at once (two hosts, a --once run beside the daemon): every claim is
-- FOR UPDATE SKIP LOCKED and moves the claimed rows' next due time forward before it commits, so
-- no payment is polled by two of them at once and no order is expired by two of them.
--
-- The entry points are SECURITY DEFINER, search_path '', executable by service_role only, and
-- check the caller themselves (auth.role() = 'service_role', else FF403 Unauthorized).

-- A payment whose status moves starts its backoff again: a payment that was 'waiting' through
-- twenty polls and then 'confirming' is polled soon, not an hour later.
create or replace function ffx_internal.payments_reset_reconcile()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.reconcile_attempts := 0;
  new.next_reconcile_at := null;
  return new;
end
$$;

comment on function ffx_internal.payments_reset_reconcile() is
  'Trigger: a change of payments.payment_status resets the reconciler''s backoff for the payment.';
revoke all on function ffx_internal.payments_reset_reconcile() from public, anon, authenticated, service_role;

create or replace trigger payments_reset_reconcile
  before update of payment_status on public.payments
  for each row
  when (old.payment_status is distinct from new.payment_status)
  execute function ffx_internal.payments_reset_reconcile();

-- =============================================================================================
-- reconcile_due_payments(limit, min_age_s): the payments to poll now
-- =============================================================================================
-- =============================================================================================
-- reconcile_due_payments(limit, min_age_s): the payments to poll now
-- =============================================================================================
--
-- Non-final NOWPayments payments (waiting, confirming, confirmed, sending, partially_paid) whose
-- row has not changed for p_min_age_s seconds (an IPN is probably on its way for a younger one)
-- and whose backoff has passed (next_reconcile_at NULL or due), oldest due first, at most
-- p_limit. Claimed FOR UPDATE SKIP LOCKED; each claimed row gets
--   reconcile_attempts + 1 and next_reconcile_at = now() + least(2^attempts x 30 s, 1 h)
-- (30 s, 1 min, 2 min, ... capped at one hour) before the caller commits, so another reconciler
-- neither waits for nor returns it. The caller polls each one and applies the answer with
-- payment_apply(raw, 'reconcile'); a NOWPayments failure needs no write: the backoff is already
-- recorded. A change of status resets the backoff (payments_reset_reconcile).
create or replace function ffx_internal.reconcile_due_payments(p_limit integer, p_min_age_s integer)
returns table (payment_id text, order_id text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
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

comment on function ffx_internal.reconcile_due_payments(integer, integer) is
  'Reconciler: claim up to p_limit non-final payments unchanged for p_min_age_s seconds whose backoff has passed, and move their next poll forward. service_role only.';
revoke all on function ffx_internal.reconcile_due_payments(integer, integer) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.reconcile_due_payments(integer, integer) to service_role;

-- =============================================================================================
-- expire_stale_orders(max_age): fail orders nobody paid
-- =============================================================================================
-- =============================================================================================
-- expire_stale_orders(max_age): fail orders nobody paid
-- =============================================================================================

-- payment_is_stale(payment): a 'waiting' payment whose time is up: its provider expiration
-- (raw ->> 'expiration_estimate_date', kept from the create response) has passed, or, when none is
-- known or readable, it was created more than p_max_age ago. Owner only.
create or replace function ffx_internal.payment_is_stale(p_raw jsonb, p_created_at timestamptz, p_max_age interval)
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce(ffx_internal.provider_timestamp(p_raw ->> 'expiration_estimate_date') <= now(),
                  p_created_at <= now() - p_max_age)
$$;
revoke all on function ffx_internal.payment_is_stale(jsonb, timestamptz, interval) from public, anon, authenticated, service_role;

-- order_is_stale(order, max_age): the order has at least one payment, every payment that is
-- still waiting is stale, and no payment went further than waiting (the rest are failed or
-- expired already). Owner only.
create or replace function ffx_internal.order_is_stale(p_order_id text, p_max_age interval)
returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (select 1 from public.payments y
                  where y.order_id = p_order_id and y.payment_status = 'waiting')
     and not exists (select 1 from public.payments y
                      where y.order_id = p_order_id
                        and (y.payment_status not in ('waiting', 'failed', 'expired')
                             or (y.payment_status = 'waiting'
                                 and not ffx_internal.payment_is_stale(y.raw, coalesce(y.provider_created_at, y.created_at),
                                                                 p_max_age))))
$$;
revoke all on function ffx_internal.order_is_stale(text, interval) from public, anon, authenticated, service_role;

-- Orders still open and unpaid (pending/pending or processing/pending, no paid_at, nothing
-- delivered) whose payments are all stale 'waiting' ones (or already failed/expired), and none
-- finished: each is locked FOR UPDATE SKIP LOCKED (an order the webhook is working on is left
-- for the next pass), checked again under the lock, and each of its waiting payments is applied
-- as 'expired' THROUGH payment_apply (source 'reconcile_expiry', the stored payment with
-- payment_status 'expired'): the same monotonic transition that an expired IPN takes makes the
-- payments expired and the order failed/failed, with the usual payment_transactions and audit
-- rows.
--
-- A late 'finished' and this pass serialise on the order's row lock, which payment_apply takes
-- too: either the finished payment is applied first (this pass then finds a finished payment and
-- leaves the order alone) or the expiry is (the late finished is then the allowed
-- expired -> finished transition: the order is paid and delivered). Never a mix.
--
-- At most 500 orders per call (the rest on the next pass); each order in its own subtransaction,
-- so one that fails (logged as a WARNING) neither stops the pass nor half-expires. Returns how
-- many orders were failed.
create or replace function ffx_internal.expire_stale_orders(p_max_age interval)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
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

comment on function ffx_internal.expire_stale_orders(interval) is
  'Reconciler: fail open unpaid orders whose waiting payments all expired (provider expiration passed, else older than p_max_age), through payment_apply. service_role only.';
revoke all on function ffx_internal.expire_stale_orders(interval) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.expire_stale_orders(interval) to service_role;

-- =============================================================================================
-- reconcile_failed_events(limit): the inbox's second chance
-- =============================================================================================
-- =============================================================================================
-- reconcile_failed_events(limit): the inbox's second chance
-- =============================================================================================
--
-- ipn_reprocess() for inbox events in state 'failed' (payment_apply raised: a deadlock, a
-- statement timeout, a payment recorded for another order) or 'unmatched' (no order yet: the IPN
-- overtook the order's commit, or a child payment nobody links), oldest due first, at most
-- p_limit, claimed FOR UPDATE SKIP LOCKED, each in its own subtransaction. Unmatched events are
-- retried only while younger than 7 days (then they are an admin's, ipn_unmatched_events) and at
-- most every 5 minutes; failed ones back off like payments (30 s x 2^attempts, at most 1 h), so
-- an event that can never apply does not cost every pass. Returns how many events were
-- processed (matched and applied) by this call.
create or replace function ffx_internal.reconcile_failed_events(p_limit integer)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
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

comment on function ffx_internal.reconcile_failed_events(integer) is
  'Reconciler: re-run up to p_limit failed inbox events (backoff) and unmatched ones younger than 7 days (every 5 minutes); returns how many were processed. service_role only.';
revoke all on function ffx_internal.reconcile_failed_events(integer) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.reconcile_failed_events(integer) to service_role;
