-- The rows that must survive adoption, one line each: "<table>\t<the row's kept columns>". Run
-- with psql -A -t -F '\t' on the original database before adoption and on the adopted one after:
-- every line of the first run must be in the second (tests/adoption/run.sh compares them). Only
-- columns that both schemas have and that adoption must not change: ids, order ids, user ids,
-- e-mails, names, amounts, logins, credentials, transaction ids, audit texts and times. The same
-- query serves both sides because the expected changes are written into it:
--   - a user id that is not in auth.users (an order whose user is gone) reads as NULL: adoption
--     keeps such rows with user_id NULL (--resolve orphan-orders=keep);
--   - a trading rule stored as money amounts (a limit above 100) reads as percentages of the
--     account size, which is what --resolve rule-amounts=convert makes of it; on a rule already in
--     percentages the expression changes nothing;
--   - audit rows without their id (uuid in the original, bigint here).
-- Row order is irrelevant (the caller sorts).

select 'auth.users', row(u.id, u.email, u.raw_user_meta_data - 'password', u.raw_app_meta_data,
                         u.encrypted_password, u.invited_at, u.last_sign_in_at, u.deleted_at,
                         u.created_at)
  from auth.users u;

select 'user_profiles', row(p.id, p.email, p.first_name, p.last_name, p.phone, p.country,
                            p.marketing_consent, p.account_status, p.total_orders, p.total_spent,
                            p.signup_ip, p.created_at)
  from public.user_profiles p;

select 'orders', row(o.id, o.order_id,
                     (select u.id from auth.users u where u.id = o.user_id), o.account_type,
                     o.account_size, o.platform_type, o.amount, o.discount_code, o.discount_amount,
                     o.final_amount, o.payment_provider, o.payment_provider_id, o.crypto_currency,
                     o.crypto_amount, o.crypto_address, o.created_at)
  from public.orders o;

select 'trading_rules', row(r.id, r.account_type, r.account_size,
                            round(r.challenge_profit_target * f, 2), round(r.challenge_max_daily_loss * f, 2),
                            round(r.challenge_max_total_loss * f, 2), r.challenge_min_trading_days,
                            round(r.phase_1_profit_target * f, 2), round(r.phase_1_max_daily_loss * f, 2),
                            round(r.phase_1_max_total_loss * f, 2), r.phase_1_min_trading_days,
                            round(r.phase_2_profit_target * f, 2), round(r.phase_2_max_daily_loss * f, 2),
                            round(r.phase_2_max_total_loss * f, 2), r.phase_2_min_trading_days,
                            round(r.live_max_daily_loss * f, 2), round(r.live_max_total_loss * f, 2),
                            r.profit_share_percentage)
  from public.trading_rules r
 cross join lateral (
   select case when greatest(r.challenge_profit_target, r.challenge_max_daily_loss, r.challenge_max_total_loss,
                             r.phase_1_profit_target, r.phase_1_max_daily_loss, r.phase_1_max_total_loss,
                             r.phase_2_profit_target, r.phase_2_max_daily_loss, r.phase_2_max_total_loss,
                             r.live_max_daily_loss, r.live_max_total_loss) > 100
               then 100.0 / r.account_size else 1 end as f) amounts;

select 'account_container', row(a.id, a.account_size, a.platform_type, a.server_name, a.login_id,
                                a.password, a.investor_password, a.reserved_for_order_id, a.created_at)
  from public.account_container a;

select 'delivered_accounts', row(d.id, d.order_id,
                                 (select u.id from auth.users u where u.id = d.user_id),
                                 d.container_account_id, d.account_type, d.account_size,
                                 d.platform_type, d.server_name, d.login_id, d.password,
                                 d.investor_password, d.current_phase, d.account_status,
                                 d.email_sent, d.delivered_at)
  from public.delivered_accounts d;

select 'payment_transactions', row(t.id, t.order_id,
                                   (select u.id from auth.users u where u.id = t.user_id),
                                   t.transaction_type, t.provider, t.provider_transaction_id,
                                   t.amount::numeric(20, 8), t.currency, t.status, t.event_type,
                                   t.provider_response, t.created_at)
  from public.payment_transactions t;

select 'admin_audit_log', row(l.admin_id, l.admin_email, l.action_type, l.table_name, l.record_id,
                              l.description, l.old_values, l.new_values, l.created_at)
  from public.admin_audit_log l;

select 'crypto_addresses', row(c.id, c.crypto_name, c.crypto_symbol, c.network, c.wallet_address,
                               c.is_active)
  from public.crypto_addresses c;
