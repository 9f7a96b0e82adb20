-- 0009_console_money: the state the console's money actions (sql/definitions/96_console_money.sql,
-- docs/CONSOLE.md "Orders, payments and IPN events") keep that no earlier table held.
--
-- All of it lives in schema ffx_internal: only the console's SECURITY DEFINER functions read or
-- write it, and the Data API never serves it.

-- The console's thresholds: one row. A refund above refund_approval_threshold (USD) waits for a
-- second admin; a product with available stock at or below low_stock_threshold is "low" on the
-- dashboard.
create table ffx_internal.console_settings (
  id boolean primary key default true,
  refund_approval_threshold numeric(12,2) not null default 500,
  low_stock_threshold integer not null default 3,
  updated_at timestamptz not null default now(),
  updated_by text,
  constraint console_settings_one_row check (id),
  constraint console_settings_refund_threshold check (refund_approval_threshold >= 0),
  constraint console_settings_low_stock check (low_stock_threshold between 0 and 100000)
);
comment on table ffx_internal.console_settings is
  'The console''s thresholds (settings.get / settings.set): refund approval (USD), low stock (accounts).';
insert into ffx_internal.console_settings (id) values (true);
revoke all on table ffx_internal.console_settings from public;

-- A refund above the threshold: recorded here as pending, carried out only when a second admin
-- approves it (refunds.approve), or rejected. amount is what the refund will pay back (USD);
-- full_refund says the order becomes refunded (the rest of what was paid) rather than a partial
-- refund. requested_by_key / decided_by_key name the person: the user id, or 'operator:<name>' for
-- the command line's bootstrap mode, so the same person cannot approve their own request.
create table ffx_internal.refund_requests (
  id bigint generated always as identity primary key,
  order_id text not null references public.orders (order_id),
  amount numeric(12,2) not null,
  full_refund boolean not null,
  reason text not null,
  status text not null default 'pending',
  requested_by_key text not null,
  requested_by text not null,
  requested_at timestamptz not null default now(),
  decided_by_key text,
  decided_by text,
  decided_at timestamptz,
  decision_reason text,
  constraint refund_requests_amount check (amount > 0),
  constraint refund_requests_status check (status in ('pending', 'approved', 'rejected')),
  constraint refund_requests_decided check ((status = 'pending') = (decided_at is null))
);
comment on table ffx_internal.refund_requests is
  'Refunds above console_settings.refund_approval_threshold, waiting for (or decided by) a second admin.';
create index refund_requests_order on ffx_internal.refund_requests (order_id);
create index refund_requests_pending on ffx_internal.refund_requests (requested_at) where status = 'pending';
revoke all on table ffx_internal.refund_requests from public;

-- A failed or unmatched IPN event an operator looked at and decided needs nothing more: it leaves
-- the dashboard's attention queue and the metrics' failed/unmatched gauges (92_metrics). Kept apart
-- from public.ipn_events so the Data API's surface does not change; reprocessing or linking the
-- event removes its dismissal (a new failure must alert again), the audit log keeps the history.
create table ffx_internal.ipn_event_dismissals (
  event_id bigint primary key references public.ipn_events (id) on delete cascade,
  reason text not null,
  dismissed_by text not null,
  dismissed_at timestamptz not null default now()
);
comment on table ffx_internal.ipn_event_dismissals is
  'IPN events an operator dismissed (events.dismiss): out of the attention queue and the alert.';
revoke all on table ffx_internal.ipn_event_dismissals from public;
