-- 0002_payment_verification: the tables and data of "an order is paid, and delivers, only when the
-- money NOWPayments reports as received for it covers what it asked" (the rule and the functions
-- that apply it: sql/definitions/50_payments.sql; docs/RELIABILITY.md "Money integrity").
--
-- replaces: 0015_payment_verification

-- =============================================================================================
-- settings
-- =============================================================================================
create table public.payment_settings (
  id                 boolean primary key default true,
  underpay_tolerance numeric(6,5) not null default 0.005,
  updated_at         timestamptz not null default now(),

  constraint payment_settings_single_row check (id),
  constraint payment_settings_underpay_tolerance_check check (underpay_tolerance >= 0 and underpay_tolerance < 0.1)
);

comment on table public.payment_settings is
  'One row: how payments are verified. scripts/migrate sets underpay_tolerance from FFX_UNDERPAY_TOLERANCE.';
comment on column public.payment_settings.underpay_tolerance is
  'Share of pay_amount a payment may fall short (or exceed) and still count as exact: 0.005 = 0.5 %.';

insert into public.payment_settings (id) values (true);

alter table public.payment_settings enable row level security;

-- =============================================================================================
-- columns
-- =============================================================================================
alter table public.orders add column attention_detail jsonb;
comment on column public.orders.attention_detail is
  'What an operator needs about needs_attention: the verdict, asked and received amounts per payment, currency, tolerance. Set by payment_apply().';

alter table public.orders drop constraint orders_needs_attention_check;
alter table public.orders add constraint orders_needs_attention_check check (needs_attention in (
  'partially_paid', 'underpaid', 'overpaid', 'wrong_currency', 'price_mismatch', 'customer_blocked',
  'second_payment_refund_review'));
comment on column public.orders.needs_attention is
  'Why an admin must look at this order (NULL: nothing). Holds (nothing delivered): partially_paid, underpaid, wrong_currency, price_mismatch, customer_blocked. Delivered: overpaid (excess to refund or keep). second_payment_refund_review: money that did not pay the order.';

alter table public.payments add column counted boolean not null default false;
comment on column public.payments.counted is
  'This payment''s money was counted toward paying its order (set when the order became paid).';

-- Existing data: the payment that paid an order counts; the old mapping's "paid" without a
-- verified payment (confirmed, sending, a price mismatch) goes back to pending.
update public.payments pm
   set counted = true
  from public.orders o
 where o.order_id = pm.order_id and o.paid_at is not null
   and pm.payment_status in ('finished', 'refunded') and not pm.needs_review;

update public.orders o
   set payment_status = 'pending'
 where o.payment_status = 'paid' and o.paid_at is null and o.delivery_status <> 'delivered';

-- The old manual delivery took no force flag: sql/definitions/90_admin.sql defines the new one.
drop function if exists public.admin_order_deliver(text, text);

-- =============================================================================================
-- The customer's e-mail while a payment is held
-- =============================================================================================
insert into public.email_templates (template_name, subject, html_body, text_body, variables) values (
  'payment_review',
  'Your FlashFundX payment for order {{order_id}} is being reviewed',
  $html$<!DOCTYPE html>
<html>
<body style="font-family: Arial, sans-serif; color: #222;">
  <h2>Hello {{first_name}},</h2>
  <p>We have received a payment for order <strong>{{order_id}}</strong>, but it does not match the
  amount we asked for ({{asked}} {{pay_currency}}; received so far: {{received}} {{pay_currency}}).</p>
  <p>Our team will review it and contact you. Your account will be delivered as soon as the payment
  is settled. There is no need to pay again.</p>
  <p>The FlashFundX team</p>
</body>
</html>
$html$,
  $text$Hello {{first_name}},

We have received a payment for order {{order_id}}, but it does not match the amount we asked for
({{asked}} {{pay_currency}}; received so far: {{received}} {{pay_currency}}).

Our team will review it and contact you. Your account will be delivered as soon as the payment is
settled. There is no need to pay again.

The FlashFundX team
$text$,
  '["first_name", "order_id", "pay_currency", "asked", "received"]'::jsonb
);
