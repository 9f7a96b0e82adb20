-- What adoption must make of each original order (run on the ORIGINAL database, before adoption):
-- one line "order\t<order_id>\t<status>" per order and "payment\t<row>" per payment the adopted
-- in-flight orders must have, in the shape actual-mapping.sql prints from the adopted database.
-- The rules are those of the mapping that scripts/adopt implements (docs/DEPLOYMENT.md, "Adopting
-- an existing FlashFundX project"):
--   failed / cancelled / refunded                     -> the same order status (only it compared);
--   a status the mapping does not know                -> :'unknown_status' (--resolve unknown-status=…);
--   delivered (delivery_status or a delivered account) -> completed/paid/delivered;
--   a completed payment_transactions row (NOWPayments finished, or recorded as received by
--     manual, stripe or lemon_squeezy)                -> processing/paid/pending;
--   a NOWPayments payment id and no such evidence (the original's processing/paid on a mere
--     `confirmed` included)                           -> processing/pending/pending, with a
--     payments row: payment_id = the provider id, the last known provider status, pay currency,
--     amount and address from the order, price = final_amount in usd;
--   anything else (a cart, no payment opened)         -> pending/pending/pending.
with txn as (
  -- per order: a completed payment, and the newest NOWPayments status (aggregated once: the
  -- original has no index on payment_transactions.order_id)
  select t.order_id,
         bool_or(t.transaction_type = 'payment' and t.status = 'completed') as paid,
         (array_agg(t.event_type order by t.created_at desc)
            filter (where t.provider = 'nowpayments' and t.transaction_type = 'payment'))[1] as last_status
    from public.payment_transactions t
   group by t.order_id
), o as (
  select o.*,
         o.delivery_status = 'delivered' or d.order_id is not null as delivered,
         coalesce(t.paid, false) as paid, t.last_status
    from public.orders o
    left join (select distinct order_id from public.delivered_accounts) d on d.order_id = o.order_id
    left join txn t on t.order_id = o.order_id
), m as (
  select o.*,
         case when o.order_status in ('failed', 'cancelled', 'refunded') then o.order_status || '/-/-'
              when o.order_status not in ('pending', 'processing', 'completed') then :'unknown_status' || '/-/-'
              when o.delivered then 'completed/paid/delivered'
              when o.paid then 'processing/paid/pending'
              when o.payment_provider = 'nowpayments' and o.payment_provider_id is not null
                then 'processing/pending/pending'
              else 'pending/pending/pending' end as adopted
    from o
)
select 'order', order_id, adopted from m
union all
select 'payment', order_id, row(payment_provider_id, coalesce(last_status, 'waiting'), crypto_currency,
                                crypto_amount, crypto_address, final_amount::numeric(12, 2), 'usd')::text
  from m where adopted = 'processing/pending/pending';
