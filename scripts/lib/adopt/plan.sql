-- scripts/lib/adopt/plan.sql: what adopting the original FlashFundX schema would do, as temporary
-- views over the original's tables (still in public). Read by scripts/adopt twice: in the dry
-- run (a transaction that is rolled back, so the database is left exactly as it was) and at the
-- start of the adoption transaction (before.sql), which refuses while a conflict is unresolved.
--
-- The views bind to the tables, not to their names: after before.sql moves the tables to schema
-- ffx_adopting they still read them, and after.sql maps the rows through them. Resolutions come
-- in as settings ffx_adopt.<kind, "_" for "-"> (e.g. ffx_adopt.orphan_orders = keep; scripts/adopt
-- sets them).
--
--   adopt_orders          every original order with its class (the status mapping's row) and
--                         its new order id
--   adopt_conflict_rows   one row per offending row: (kind, example)
--   adopt_conflicts       per kind: count, up to 5 examples, the resolution given (or NULL)
--   adopt_plan            the plan as one JSON object (the --report file)

-- A user exists: what "whose user is gone" means.
create temporary view adopt_user_ids as
select u.id from auth.users u;

-- Money recorded as received for an order: a completed payment transaction; for NOWPayments only
-- one whose provider status (when the original kept one) is `finished`, not a mere `confirmed`.
create temporary view adopt_evidence as
select t.order_id, min(t.created_at) as paid_at
  from public.payment_transactions t
 where t.order_id is not null
   and t.status = 'completed'
   and coalesce(t.transaction_type, 'payment') = 'payment'
   and (coalesce(t.provider, 'nowpayments') <> 'nowpayments'
        or coalesce(t.provider_response ->> 'payment_status', 'finished') = 'finished')
 group by t.order_id;

create temporary view adopt_deliveries as
select d.order_id, min(d.delivered_at) as delivered_at
  from public.delivered_accounts d
 where d.order_id is not null
 group by d.order_id;

-- The status mapping (docs/DEPLOYMENT.md, "Adopting an existing FlashFundX project"), one class
-- per order:
--   delivered           -> completed/paid/delivered       refunded_delivered -> refunded/refunded/delivered
--   paid (evidence)     -> processing/paid/pending        in_flight (NOWPayments id) -> processing/pending/pending + payments row
--   pending             -> pending/pending/pending        closed -> failed | cancelled | refunded, the same word
--   unknown             -> the unknown-status resolution
create temporary view adopt_orders as
with o as (
  select x.*,
         (x.delivery_status = 'delivered' or dl.order_id is not null) as delivered,
         dl.delivered_at as delivered_row_at,
         ev.paid_at as evidence_at,
         (x.payment_provider_id is not null and btrim(x.payment_provider_id) <> ''
          and coalesce(x.payment_provider, 'nowpayments') = 'nowpayments') as nowpayments_id,
         (x.order_status in ('pending', 'processing', 'completed', 'failed', 'cancelled', 'refunded')
          and x.payment_status in ('pending', 'paid', 'failed', 'refunded')
          and x.delivery_status in ('pending', 'delivered', 'failed')) as known_words
    from public.orders x
    left join adopt_deliveries dl on dl.order_id = x.order_id
    left join adopt_evidence ev on ev.order_id = x.order_id
)
select o.*,
       case
         when not o.known_words then 'unknown'
         when o.delivered and (o.order_status = 'refunded' or o.payment_status = 'refunded') then 'refunded_delivered'
         when o.delivered and o.order_status in ('failed', 'cancelled') then 'unknown'
         when o.delivered then 'delivered'
         when o.order_status = 'cancelled' and o.payment_status not in ('pending', 'failed') then 'unknown'
         when o.order_status in ('failed', 'cancelled', 'refunded') then 'closed'
         when o.payment_status = 'refunded' or o.delivery_status = 'failed' then 'unknown'
         when o.evidence_at is not null then 'paid'
         when o.nowpayments_id then 'in_flight'
         when o.order_status in ('pending', 'processing') and o.payment_status in ('pending', 'failed') then 'pending'
         else 'unknown'
       end as class,
       o.order_id !~ '^FFX[0-9]{9}$' as bad_order_id
  from o;

-- Every row a conflict is about. Kinds and their resolutions: scripts/adopt --help.
create temporary view adopt_conflict_rows as
-- orphan-orders: a row whose user is gone, or whose order is gone, or whose user is not its order's
select 'orphan-orders'::text as kind, format('orders %s: user %s is gone', o.order_id, o.user_id) as example
  from public.orders o
 where o.user_id is not null and o.user_id not in (select id from adopt_user_ids)
union all
select 'orphan-orders', format('delivered_accounts %s: user %s is gone', d.id, d.user_id)
  from public.delivered_accounts d
 where d.user_id is not null and d.user_id not in (select id from adopt_user_ids)
union all
select 'orphan-orders', format('payment_transactions %s: user %s is gone', t.id, t.user_id)
  from public.payment_transactions t
 where t.user_id is not null and t.user_id not in (select id from adopt_user_ids)
union all
select 'orphan-orders', format('payment_transactions %s: order %s is gone', t.id, t.order_id)
  from public.payment_transactions t
 where t.order_id is not null and not exists (select 1 from public.orders o where o.order_id = t.order_id)
union all
select 'orphan-orders', format('account_container %s: reserved for order %s, which is gone', c.id, c.reserved_for_order_id)
  from public.account_container c
 where c.reserved_for_order_id is not null
   and not exists (select 1 from public.orders o where o.order_id = c.reserved_for_order_id)
union all
select 'orphan-orders', format('%s %s: user %s, but order %s is user %s''s', x.tbl, x.id, x.user_id, x.order_id, o.user_id)
  from (select 'delivered_accounts' as tbl, d.id, d.order_id, d.user_id from public.delivered_accounts d
        union all
        select 'payment_transactions', t.id, t.order_id, t.user_id from public.payment_transactions t) x
  join public.orders o on o.order_id = x.order_id
 where x.user_id is not null and o.user_id is not null and x.user_id <> o.user_id
   and x.user_id in (select id from adopt_user_ids) and o.user_id in (select id from adopt_user_ids)
union all
-- duplicate-logins: inventory rows sharing a server and login; an inventory row delivered twice
select 'duplicate-logins', format('account_container %s/%s: %s rows', c.server_name, c.login_id, count(*))
  from public.account_container c
 where c.server_name is not null and c.login_id is not null
 group by c.server_name, c.login_id
having count(*) > 1
union all
select 'duplicate-logins', format('account_container %s: delivered on %s orders', d.container_account_id, count(*))
  from public.delivered_accounts d
 where d.container_account_id is not null
 group by d.container_account_id
having count(*) > 1
union all
-- unknown-status: statuses (or combinations) the mapping does not cover
select 'unknown-status', format('orders %s: %s/%s/%s%s', o.order_id, coalesce(o.order_status, 'NULL'),
                                coalesce(o.payment_status, 'NULL'), coalesce(o.delivery_status, 'NULL'),
                                case when o.delivered and o.delivery_status is distinct from 'delivered'
                                     then ' (delivered)' else '' end)
  from adopt_orders o
 where o.class = 'unknown'
union all
select 'unknown-status', format('payment_transactions %s: status %s', t.id, coalesce(t.status, 'NULL'))
  from public.payment_transactions t
 where t.status is null or t.status not in ('pending', 'processing', 'completed', 'failed', 'cancelled')
union all
select 'unknown-status', format('account_container %s: status %s', c.id, coalesce(c.status, 'NULL'))
  from public.account_container c
 where c.status is null or c.status not in ('available', 'reserved', 'delivered', 'disabled')
union all
-- rule-amounts: a trading rule limit above 100 is a money amount, not a percentage
select 'rule-amounts', format('trading_rules %s %s: %s', r.account_type, r.account_size,
                              array_to_string(array_remove(array[
                                case when r.challenge_profit_target > 100 then 'challenge_profit_target ' || r.challenge_profit_target end,
                                case when r.challenge_max_daily_loss > 100 then 'challenge_max_daily_loss ' || r.challenge_max_daily_loss end,
                                case when r.challenge_max_total_loss > 100 then 'challenge_max_total_loss ' || r.challenge_max_total_loss end,
                                case when r.phase_1_profit_target > 100 then 'phase_1_profit_target ' || r.phase_1_profit_target end,
                                case when r.phase_1_max_daily_loss > 100 then 'phase_1_max_daily_loss ' || r.phase_1_max_daily_loss end,
                                case when r.phase_1_max_total_loss > 100 then 'phase_1_max_total_loss ' || r.phase_1_max_total_loss end,
                                case when r.phase_2_profit_target > 100 then 'phase_2_profit_target ' || r.phase_2_profit_target end,
                                case when r.phase_2_max_daily_loss > 100 then 'phase_2_max_daily_loss ' || r.phase_2_max_daily_loss end,
                                case when r.phase_2_max_total_loss > 100 then 'phase_2_max_total_loss ' || r.phase_2_max_total_loss end,
                                case when r.live_max_daily_loss > 100 then 'live_max_daily_loss ' || r.live_max_daily_loss end,
                                case when r.live_max_total_loss > 100 then 'live_max_total_loss ' || r.live_max_total_loss end],
                                null), ', '))
  from public.trading_rules r
 where greatest(r.challenge_profit_target, r.challenge_max_daily_loss, r.challenge_max_total_loss,
                r.phase_1_profit_target, r.phase_1_max_daily_loss, r.phase_1_max_total_loss,
                r.phase_2_profit_target, r.phase_2_max_daily_loss, r.phase_2_max_total_loss,
                r.live_max_daily_loss, r.live_max_total_loss) > 100
union all
-- bad-order-id: not FFX + 9 digits
select 'bad-order-id', format('orders %s (id %s)', o.order_id, o.id)
  from adopt_orders o
 where o.bad_order_id
union all
-- invalid-rows: values this schema refuses that no rule maps (fix them in the original first)
select 'invalid-rows', format('user_profiles %s: %s', p.id, concat_ws(', ',
         case when p.account_status not in ('active', 'suspended', 'banned') then 'account_status ' || p.account_status end,
         case when char_length(p.first_name) > 100 or char_length(p.last_name) > 100 then 'name longer than 100' end,
         case when char_length(p.phone) > 50 then 'phone longer than 50' end,
         case when char_length(p.country) > 100 then 'country longer than 100' end,
         case when p.total_orders < 0 or p.total_spent < 0 then 'negative totals' end))
  from public.user_profiles p
 where p.account_status not in ('active', 'suspended', 'banned')
    or char_length(p.first_name) > 100 or char_length(p.last_name) > 100
    or char_length(p.phone) > 50 or char_length(p.country) > 100
    or p.total_orders < 0 or p.total_spent < 0
union all
select 'invalid-rows', format('orders %s: %s', o.order_id, concat_ws(', ',
         case when coalesce(o.account_type, '') not in ('instant', 'hft', 'one_step', 'two_step') then 'account_type ' || coalesce(o.account_type, 'NULL') end,
         case when coalesce(o.platform_type, '') not in ('mt4', 'mt5') then 'platform_type ' || coalesce(o.platform_type, 'NULL') end,
         case when o.account_size <= 0 then 'account_size ' || o.account_size end,
         case when o.amount is null and o.final_amount is null then 'no amount' end,
         case when o.amount < 0 or o.final_amount < 0 or o.discount_amount < 0 then 'negative amount' end))
  from public.orders o
 where coalesce(o.account_type, '') not in ('instant', 'hft', 'one_step', 'two_step')
    or coalesce(o.platform_type, '') not in ('mt4', 'mt5')
    or o.account_size <= 0
    or (o.amount is null and o.final_amount is null)
    or o.amount < 0 or o.final_amount < 0 or o.discount_amount < 0
union all
select 'invalid-rows', format('orders %s: NOWPayments payment %s is also on order(s) %s', o.order_id, o.payment_provider_id,
         (select string_agg(x.order_id, ' ' order by x.order_id) from adopt_orders x
           where x.class = 'in_flight' and x.payment_provider_id = o.payment_provider_id and x.order_id <> o.order_id))
  from adopt_orders o
 where o.class = 'in_flight'
   and exists (select 1 from adopt_orders x
                where x.class = 'in_flight' and x.payment_provider_id = o.payment_provider_id and x.order_id <> o.order_id)
union all
select 'invalid-rows', format('trading_rules %s %s: %s', r.account_type, r.account_size, 'type, size, negative limit, profit share or amount above the account size')
  from public.trading_rules r
 where coalesce(r.account_type, '') not in ('instant', 'hft', 'one_step', 'two_step')
    or r.account_size <= 0
    or least(r.challenge_profit_target, r.challenge_max_daily_loss, r.challenge_max_total_loss,
             r.phase_1_profit_target, r.phase_1_max_daily_loss, r.phase_1_max_total_loss,
             r.phase_2_profit_target, r.phase_2_max_daily_loss, r.phase_2_max_total_loss,
             r.live_max_daily_loss, r.live_max_total_loss) < 0
    or least(r.challenge_min_trading_days, r.phase_1_min_trading_days, r.phase_2_min_trading_days) < 0
    or r.profit_share_percentage not between 0 and 100
    or greatest(r.challenge_profit_target, r.challenge_max_daily_loss, r.challenge_max_total_loss,
                r.phase_1_profit_target, r.phase_1_max_daily_loss, r.phase_1_max_total_loss,
                r.phase_2_profit_target, r.phase_2_max_daily_loss, r.phase_2_max_total_loss,
                r.live_max_daily_loss, r.live_max_total_loss) > r.account_size
union all
select 'invalid-rows', format('account_container %s: %s', c.id, 'size, platform, or server/login/password missing')
  from public.account_container c
 where c.account_size <= 0 or coalesce(c.platform_type, '') not in ('mt4', 'mt5')
    or c.server_name is null or c.login_id is null or c.password is null
union all
select 'invalid-rows', format('delivered_accounts %s: %s', d.id, concat_ws(', ',
         case when d.order_id is null then 'no order' end,
         case when coalesce(d.server_name, c.server_name) is null or coalesce(d.login_id, c.login_id) is null
                   or coalesce(d.password, c.password) is null then 'credentials missing' end,
         case when coalesce(d.current_phase, 'challenge') not in ('challenge', 'phase_1', 'phase_2', 'live') then 'current_phase ' || d.current_phase end,
         case when coalesce(d.account_status, 'active') not in ('active', 'suspended', 'closed', 'breached') then 'account_status ' || d.account_status end,
         case when not (coalesce(d.phase_status, 'active') in ('not_started', 'active', 'passed', 'failed')
                        and coalesce(d.challenge_status, 'active') in ('not_started', 'active', 'passed', 'failed')
                        and coalesce(d.phase_1_status, 'active') in ('not_started', 'active', 'passed', 'failed')
                        and coalesce(d.phase_2_status, 'active') in ('not_started', 'active', 'passed', 'failed')
                        and coalesce(d.live_status, 'active') in ('not_started', 'active', 'passed', 'failed'))
              then 'phase status not one of not_started/active/passed/failed' end))
  from public.delivered_accounts d
  left join public.account_container c on c.id = d.container_account_id
 where d.order_id is null
    or coalesce(d.server_name, c.server_name) is null or coalesce(d.login_id, c.login_id) is null
    or coalesce(d.password, c.password) is null
    or coalesce(d.current_phase, 'challenge') not in ('challenge', 'phase_1', 'phase_2', 'live')
    or coalesce(d.account_status, 'active') not in ('active', 'suspended', 'closed', 'breached')
    or not (coalesce(d.phase_status, 'active') in ('not_started', 'active', 'passed', 'failed')
            and coalesce(d.challenge_status, 'active') in ('not_started', 'active', 'passed', 'failed')
            and coalesce(d.phase_1_status, 'active') in ('not_started', 'active', 'passed', 'failed')
            and coalesce(d.phase_2_status, 'active') in ('not_started', 'active', 'passed', 'failed')
            and coalesce(d.live_status, 'active') in ('not_started', 'active', 'passed', 'failed'))
union all
select 'invalid-rows', format('delivered_accounts: order %s delivered %s times', d.order_id, count(*))
  from public.delivered_accounts d
 where d.order_id is not null
 group by d.order_id
having count(*) > 1
union all
select 'invalid-rows', format('payment_transactions %s: %s', t.id, concat_ws(', ',
         case when coalesce(t.transaction_type, 'payment') not in ('payment', 'refund', 'chargeback') then 'transaction_type ' || t.transaction_type end,
         case when coalesce(t.provider, 'nowpayments') not in ('lemon_squeezy', 'nowpayments', 'stripe', 'manual') then 'provider ' || t.provider end,
         case when t.amount < 0 then 'negative amount' end))
  from public.payment_transactions t
 where coalesce(t.transaction_type, 'payment') not in ('payment', 'refund', 'chargeback')
    or coalesce(t.provider, 'nowpayments') not in ('lemon_squeezy', 'nowpayments', 'stripe', 'manual')
    or t.amount < 0
union all
select 'invalid-rows', format('crypto_addresses %s: %s', a.id,
         case when a.crypto_name is null or a.crypto_symbol is null or a.network is null or a.wallet_address is null
              then 'a name, symbol, network or address is missing' else 'crypto_name ' || a.crypto_name || ' twice' end)
  from public.crypto_addresses a
 where a.crypto_name is null or a.crypto_symbol is null or a.network is null or a.wallet_address is null
    or exists (select 1 from public.crypto_addresses b where b.crypto_name = a.crypto_name and b.id <> a.id);

create temporary view adopt_conflicts as
select c.kind, count(*) as count,
       (array_agg(c.example order by c.example))[1:5] as examples,
       nullif(current_setting('ffx_adopt.' || replace(c.kind, '-', '_'), true), '') as resolution
  from adopt_conflict_rows c
 group by c.kind;

-- Users whose sign-up password the original stored in plaintext (in the profile or in the
-- sign-up metadata).
create temporary view adopt_exposed_users as
select u.id from auth.users u where u.raw_user_meta_data ? 'password'
union
select p.id from public.user_profiles p where coalesce(p.password, '') <> '';

create temporary view adopt_plan as
select jsonb_build_object(
  'tables', jsonb_build_object(
    'user_profiles', (select count(*) from public.user_profiles),
    'orders', (select count(*) from public.orders),
    'trading_rules', (select count(*) from public.trading_rules),
    'account_container', (select count(*) from public.account_container),
    'delivered_accounts', (select count(*) from public.delivered_accounts),
    'payment_transactions', (select count(*) from public.payment_transactions),
    'admin_audit_log', (select count(*) from public.admin_audit_log),
    'crypto_addresses', (select count(*) from public.crypto_addresses),
    'auth.users', (select count(*) from auth.users)),
  'orders_by_class', coalesce((select jsonb_object_agg(k.class, k.n)
                                 from (select o.class, count(*) as n from adopt_orders o group by o.class) k), '{}'),
  'in_flight', jsonb_build_object(
    'nowpayments_recheck', (select count(*) from adopt_orders o where o.class = 'in_flight'),
    'confirmed_not_verified', (select count(*) from adopt_orders o
                                where o.class = 'in_flight' and (o.payment_status = 'paid' or o.order_status in ('processing', 'completed'))),
    'paid_waiting_for_stock', (select count(*) from adopt_orders o where o.class = 'paid'),
    'pending_unpaid', (select count(*) from adopt_orders o where o.class = 'pending')),
  'users_without_profile', (select count(*) from auth.users u
                             where not exists (select 1 from public.user_profiles p where p.id = u.id)),
  'exposed_passwords', (select count(*) from adopt_exposed_users),
  'conflicts', coalesce((select jsonb_agg(jsonb_build_object('kind', c.kind, 'count', c.count,
                                                             'examples', to_jsonb(c.examples),
                                                             'resolution', c.resolution)
                                          order by c.kind)
                           from adopt_conflicts c), '[]'),
  'adopted', false) as plan;
