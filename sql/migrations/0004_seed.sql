-- 0004_seed: reference data the system cannot run without.
--
-- Trading rules: one row for every account type x size (4 x 6 = 24). Figures are percentages of
-- the account size, typical of prop firms; change them with a later migration or as an admin.
--   instant  : funded at once, live limits only
--   hft      : one challenge, loose (HFT-friendly) limits, 1 trading day minimum
--   one_step : one challenge, tight drawdown
--   two_step : phase 1 (8 %) then phase 2 (5 %), classic 5 % daily / 10 % total
insert into public.trading_rules (
  account_type, account_size,
  challenge_profit_target, challenge_max_daily_loss, challenge_max_total_loss, challenge_min_trading_days,
  phase_1_profit_target, phase_1_max_daily_loss, phase_1_max_total_loss, phase_1_min_trading_days,
  phase_2_profit_target, phase_2_max_daily_loss, phase_2_max_total_loss, phase_2_min_trading_days,
  live_max_daily_loss, live_max_total_loss, profit_share_percentage
)
select t.account_type, s.account_size,
       t.c_target, t.c_daily, t.c_total, t.c_days,
       t.p1_target, t.p1_daily, t.p1_total, t.p1_days,
       t.p2_target, t.p2_daily, t.p2_total, t.p2_days,
       t.live_daily, t.live_total, 80
  from (values
          --            challenge               phase 1                 phase 2                 live
          ('instant',  null, null, null, null, null, null, null, null, null, null, null, null, 3.00, 6.00),
          ('hft',      8.00, 5.00, 10.00, 1,   null, null, null, null, null, null, null, null, 5.00, 10.00),
          ('one_step', 10.00, 4.00, 6.00, 3,   null, null, null, null, null, null, null, null, 4.00, 6.00),
          ('two_step', null, null, null, null, 8.00, 5.00, 10.00, 4,   5.00, 5.00, 10.00, 4,   5.00, 10.00)
       ) as t (account_type,
               c_target, c_daily, c_total, c_days,
               p1_target, p1_daily, p1_total, p1_days,
               p2_target, p2_daily, p2_total, p2_days,
               live_daily, live_total)
 cross join (values (5000), (10000), (25000), (50000), (100000), (200000)) as s (account_size);

-- Crypto addresses for the currencies the checkout offers. Placeholders, INACTIVE on purpose: a
-- customer must never be shown an address nobody controls. An admin sets the real address and
-- is_active = true (see the seed doc's "Update crypto addresses with real wallet addresses").
insert into public.crypto_addresses (crypto_name, crypto_symbol, network, wallet_address, is_active) values
  ('USDT BEP20',   'USDT', 'BEP20',   'REPLACE_WITH_REAL_ADDRESS', false),
  ('USDT TRC20',   'USDT', 'TRC20',   'REPLACE_WITH_REAL_ADDRESS', false),
  ('USDT Polygon', 'USDT', 'Polygon', 'REPLACE_WITH_REAL_ADDRESS', false),
  ('BNB BEP20',    'BNB',  'BEP20',   'REPLACE_WITH_REAL_ADDRESS', false),
  ('Bitcoin',      'BTC',  'Bitcoin', 'REPLACE_WITH_REAL_ADDRESS', false),
  ('TRON',         'TRX',  'TRC20',   'REPLACE_WITH_REAL_ADDRESS', false);

-- The delivery e-mail. {{name}} placeholders are substituted by the mailer; values must be
-- HTML-escaped for html_body.
insert into public.email_templates (template_name, subject, html_body, text_body, variables) values (
  'account_delivery',
  'Your FlashFundX {{account_type}} account ({{order_id}}) is ready',
  $html$<!DOCTYPE html>
<html>
<body style="font-family: Arial, sans-serif; color: #222;">
  <h2>Welcome to FlashFundX, {{first_name}}!</h2>
  <p>Your trading account for order <strong>{{order_id}}</strong> has been delivered.</p>
  <table cellpadding="6" style="border-collapse: collapse;">
    <tr><td>Account type</td><td><strong>{{account_type}}</strong></td></tr>
    <tr><td>Account size</td><td><strong>${{account_size}}</strong></td></tr>
    <tr><td>Platform</td><td><strong>{{platform_type}}</strong></td></tr>
    <tr><td>Server</td><td><strong>{{server_name}}</strong></td></tr>
    <tr><td>Login</td><td><strong>{{login_id}}</strong></td></tr>
    <tr><td>Password</td><td><strong>{{password}}</strong></td></tr>
    <tr><td>Investor password</td><td><strong>{{investor_password}}</strong></td></tr>
  </table>
  <p>Keep these credentials private. You can also find them in your dashboard.</p>
  <p>Good luck and trade safely,<br>The FlashFundX team</p>
</body>
</html>
$html$,
  $text$Welcome to FlashFundX, {{first_name}}!

Your trading account for order {{order_id}} has been delivered.

Account type:      {{account_type}}
Account size:      ${{account_size}}
Platform:          {{platform_type}}
Server:            {{server_name}}
Login:             {{login_id}}
Password:          {{password}}
Investor password: {{investor_password}}

Keep these credentials private. You can also find them in your dashboard.

Good luck and trade safely,
The FlashFundX team
$text$,
  '["first_name", "order_id", "account_type", "account_size", "platform_type", "server_name", "login_id", "password", "investor_password"]'::jsonb
);
