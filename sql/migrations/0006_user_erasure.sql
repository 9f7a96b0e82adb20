-- 0006_user_erasure: deleting a customer in Supabase Auth succeeds, and the financial records stay
-- (docs/ARCHITECTURE.md, "When a customer leaves"; the erasure itself: public.erase_customer() in
-- sql/definitions/10_identity.sql).
--
-- The four financial tables that name a user (orders, payments, payment_transactions,
-- delivered_accounts) had a plain foreign key to auth.users, so deleting anyone who ever ordered
-- failed with orders_user_id_fkey. They now keep their rows and lose the user: user_id becomes
-- nullable and the foreign key is ON DELETE SET NULL (the erasure trigger nulls it first, children
-- before orders, so that the composite (order_id, user_id) keys stay consistent).
--
-- Why SET NULL rather than keeping the uuid without a foreign key: a deleted user's access token
-- stays valid until it expires (up to an hour on Supabase), and every customer policy on these
-- tables is `auth.uid() = user_id`. With the uuid kept, that token would go on reading the orders
-- and the delivered account's credentials; NULL equals nobody, so an orphaned row is visible to
-- admins and service_role only, with no policy change. And a user_id that is not NULL still always
-- names an existing user.
--
-- discount_code_attempts and discount_code_uses keep their user_id (no foreign key, a random id
-- that names nobody once the user is gone); the erasure deletes the attempts.

alter table public.orders alter column user_id drop not null;
alter table public.orders drop constraint orders_user_id_fkey;
alter table public.orders add constraint orders_user_id_fkey
  foreign key (user_id) references auth.users (id) on delete set null;
comment on column public.orders.user_id is
  'The customer; NULL once the customer was deleted from auth (the order stays as a financial record).';

alter table public.payments alter column user_id drop not null;
alter table public.payments drop constraint payments_user_id_fkey;
alter table public.payments add constraint payments_user_id_fkey
  foreign key (user_id) references auth.users (id) on delete set null;
comment on column public.payments.user_id is
  'The order''s customer; NULL once the customer was deleted from auth.';

alter table public.payment_transactions drop constraint payment_transactions_user_id_fkey;
alter table public.payment_transactions add constraint payment_transactions_user_id_fkey
  foreign key (user_id) references auth.users (id) on delete set null;
comment on column public.payment_transactions.user_id is
  'The order''s customer; NULL once the customer was deleted from auth.';

alter table public.delivered_accounts alter column user_id drop not null;
alter table public.delivered_accounts drop constraint delivered_accounts_user_id_fkey;
alter table public.delivered_accounts add constraint delivered_accounts_user_id_fkey
  foreign key (user_id) references auth.users (id) on delete set null;
comment on column public.delivered_accounts.user_id is
  'The customer; NULL once the customer was deleted from auth (the credentials stay with the order, readable by admins only).';
