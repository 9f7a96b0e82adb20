-- 92_metrics: the database gauges of the metrics endpoint (functions/metrics).
--
-- ffx_internal.metrics_gauges() is the endpoint's one SQL call: a point-in-time reading of the state
-- the business runs on, one row per sample (metric, labels as a jsonb object, value), sorted by
-- metric. The endpoint renders the rows in the Prometheus text format with its own HELP/TYPE
-- table, so adding a gauge here needs a line there too (an unknown metric is skipped and logged).
--
--   ffx_ipn_events{state}                         inbox rows by state (pending, processed,
--                                                 unmatched, failed); duplicates are never stored,
--                                                 rejected signatures never reach the database:
--                                                 both are the webhook's shared counters; an
--                                                 event an operator dismissed (events.dismiss,
--                                                 96_console_money) counts in none of the states,
--                                                 so the alert on failed or unmatched ones clears
--   ffx_orders{order_status, payment_status}      orders by state; every pair of the known values
--                                                 is present (0 when none), plus any other pair
--   ffx_orders_paid_undelivered                   paid (paid_at set, payment_status paid) and not
--                                                 delivered: waiting for stock or a failed delivery
--   ffx_orders_paid_undelivered_oldest_age_seconds   how long the oldest of them has waited (0: none)
--   ffx_email_outbox_messages{status}             e-mail outbox by status (pending is the backlog)
--   ffx_email_outbox_oldest_pending_age_seconds   age of the oldest pending or sending message (0: none)
--   ffx_accounts_available{account_size, platform_type}   inventory ready to deliver, for every
--                                                 product on sale (0 when sold out) and any other
--                                                 stock
--
-- Callers: admins and service_role (SECURITY DEFINER: it counts rows RLS would hide; it returns
-- counts and ages only, never a row's content). Everyone else: FF403.

create or replace function ffx_internal.metrics_gauges()
returns table (metric text, labels jsonb, value double precision)
language plpgsql
stable
security definer
set search_path = ''
as $$
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

comment on function ffx_internal.metrics_gauges() is
  'The metrics endpoint''s database gauges: (metric, labels, value) rows of counts and ages, never row content. Admins and service_role.';
revoke all on function ffx_internal.metrics_gauges() from public, anon, authenticated, service_role;
grant execute on function ffx_internal.metrics_gauges() to authenticated, service_role;
