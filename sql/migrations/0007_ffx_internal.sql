-- 0007_ffx_internal: the functions the Data API must not serve leave schema public
-- (docs/DATA_API.md).
--
-- On Supabase, PostgREST (and pg_graphql) serve schema public: every function there that anon,
-- authenticated or service_role may EXECUTE is an RPC endpoint for anyone holding the anon key, a
-- user token or the service key. Our internal transitions, IPN intake, payment bookkeeping,
-- delivery, the reconciler's and mailer's steps, the admin functions, the policies' helpers and
-- the trigger functions are not meant to be called that way, so they live in schema ffx_internal,
-- which PostgREST must never expose. Only order_quote() and get_available_accounts_count() stay in
-- public (docs/DATA_API.md says why).
--
-- ALTER FUNCTION ... SET SCHEMA keeps each function's oid, so the triggers, policies, column
-- defaults and grants that use it follow; sql/definitions re-create every one of them in
-- ffx_internal right after this migration (and from then on). On a fresh database the functions
-- do not exist yet when migrations run: the loop finds nothing to move. The list is frozen here:
-- the functions that existed in public when this migration was written.
create schema if not exists ffx_internal;
comment on schema ffx_internal is
  'Functions the Data API must not serve (docs/DATA_API.md); never in PostgREST''s db-schemas.';
revoke all on schema ffx_internal from public;

do $$
declare
  f record;
begin
  for f in
    select p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid) as args
      from pg_catalog.pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and p.proname = any (array[
         'account_container_stock_arrived',
         'admin_audit_log_refuse_change',
         'admin_audit_log_stamp',
         'admin_cli_audit',
         'admin_cli_check',
         'admin_cli_require_reason',
         'admin_identity',
         'admin_inventory_import',
         'admin_inventory_set_status',
         'admin_ipn_reprocess',
         'admin_order_accept_payment',
         'admin_order_clear_attention',
         'admin_order_deliver',
         'admin_order_for_update',
         'admin_order_refund',
         'admin_report_conversion',
         'admin_report_products',
         'admin_report_revenue',
         'admin_resend_email',
         'admin_set_account_status',
         'check_payment_status',
         'crypto_payment_begin',
         'crypto_payment_open',
         'crypto_payment_record',
         'crypto_payment_release',
         'customer_is_active',
         'deliver_account_core',
         'deliver_account_to_user',
         'deliver_account_unchecked',
         'deliver_waiting_core',
         'deliver_waiting_orders',
         'discount_attempt_admit',
         'discount_attempt_record',
         'discount_code_uses_backfill',
         'discount_code_verdict',
         'discount_codes_keep_counts',
         'discount_codes_normalize_code',
         'discount_hold_core',
         'discount_hold_release',
         'discount_hold_take',
         'discount_holds_release_stale',
         'discount_use_consume',
         'email_outbox_notify',
         'erase_customer',
         'expire_stale_orders',
         'generate_order_id',
         'handle_new_user',
         'handle_user_deleted',
         'handle_user_email_changed',
         'handle_user_soft_deleted',
         'ipn_dedupe_key',
         'ipn_process_event',
         'ipn_receive',
         'ipn_reprocess',
         'is_admin',
         'is_service_role',
         'may_act_for',
         'metrics_gauges',
         'order_base_price',
         'order_buyer_check',
         'order_create',
         'order_is_stale',
         'order_payment_status',
         'order_price_core',
         'orders_apply_pricing',
         'orders_discount_follow',
         'orders_insert_defaults',
         'orders_keep_order_id',
         'orders_refuse_direct_update',
         'orders_set_order_id',
         'outbox_claim',
         'outbox_mark_failed',
         'outbox_mark_sent',
         'outbox_requeue',
         'payment_apply',
         'payment_group_root',
         'payment_group_verdict',
         'payment_hold',
         'payment_is_stale',
         'payment_refresh_claim',
         'payment_settle',
         'payment_status_rank',
         'payments_discount_hold',
         'payments_reset_reconcile',
         'provider_timestamp',
         'reconcile_due_payments',
         'reconcile_failed_events',
         'redact_jsonb',
         'redact_text',
         'require_admin_or_service',
         'require_service_role',
         'runs_as_owner',
         'update_updated_at_column',
         'webhook_debug_record'
       ])
       -- an extension's function of the same name (none known) stays where its extension put it
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid
                          and d.deptype = 'e')
     order by 1, 2
  loop
    execute pg_catalog.format('alter function public.%I(%s) set schema ffx_internal', f.proname, f.args);
  end loop;
end
$$;
