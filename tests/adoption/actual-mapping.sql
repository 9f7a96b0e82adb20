-- The adopted orders' statuses and payments in the shape expected-mapping.sql prints (run on the
-- adopted database).
select 'order', o.order_id,
       case when o.order_status in ('failed', 'cancelled', 'refunded') then o.order_status || '/-/-'
            else o.order_status || '/' || o.payment_status || '/' || o.delivery_status end
  from public.orders o
union all
select 'payment', p.order_id, row(p.payment_id, p.payment_status, p.pay_currency, p.pay_amount, p.pay_address,
                                  p.price_amount, p.price_currency)::text
  from public.payments p where p.provider = 'nowpayments';
