-- 0003_provider_calls: the tables of "no NOWPayments call under a lock, and bounded status
-- refreshes" (the protocol and its functions: sql/definitions/40_checkout.sql).
--
-- replaces: 0016_provider_calls

-- =============================================================================================
-- payment_reservations
-- =============================================================================================
create table public.payment_reservations (
  order_id        text        not null references public.orders (order_id) on delete cascade,
  -- the provider coin (crypto_currency_map.provider_code), as payments.pay_currency
  pay_currency    text        not null,
  token           uuid        not null,
  -- who holds it: "<host>:<pid>:<request id>" of the worker making the provider calls
  holder          text        not null,
  -- the verified caller of crypto_payment_begin, for the audit row crypto_payment_record writes
  actor_id        uuid,
  actor_email     text,
  actor_role      text        not null,
  -- the order had no invoice when this was taken: the holder creates it
  creates_invoice boolean     not null,
  reserved_at     timestamptz not null default now(),
  expires_at      timestamptz not null,

  primary key (order_id, pay_currency),
  constraint payment_reservations_token_key unique (token),
  constraint payment_reservations_holder_length check (char_length(holder) <= 200),
  constraint payment_reservations_expiry check (expires_at > reserved_at)
);

comment on table public.payment_reservations is
  'create-crypto-payment: the call that is creating a NOWPayments payment for (order, coin), while it calls NOWPayments with no transaction open. Written only by crypto_payment_begin/record/release.';
comment on column public.payment_reservations.expires_at is
  'reserved_at + the holder''s provider budget + 5 s; after it, another call may take the reservation over (new token).';

-- nobody reads or writes it but the SECURITY DEFINER functions below (their owner)
alter table public.payment_reservations enable row level security;

-- =============================================================================================
-- payment_refreshes
-- =============================================================================================
create table public.payment_refreshes (
  provider     text        not null,
  payment_id   text        not null,
  -- the last time somebody was allowed to ask NOWPayments for this payment
  attempted_at timestamptz not null,
  -- "check-payment-status" or "ffx-reconcile"
  attempted_by text        not null,

  primary key (provider, payment_id),
  foreign key (provider, payment_id) references public.payments (provider, payment_id) on delete cascade,
  constraint payment_refreshes_by_length check (char_length(attempted_by) <= 64)
);

comment on table public.payment_refreshes is
  'The last GET /v1/payment/{id} attempt per payment (check-payment-status and ffx-reconcile), claimed through payment_refresh_claim().';

alter table public.payment_refreshes enable row level security;

-- create-crypto-payment's two steps in one transaction became three short ones with a token:
-- sql/definitions/40_checkout.sql defines the new signatures.
drop function if exists public.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text);
drop function if exists public.crypto_payment_record(text, jsonb, jsonb);
