-- 20_catalogue: what is for sale and at which price: trading rules, prices, the checkout's coins
-- and the manual-payment addresses. Anyone (anon included) reads the active rows; admins manage
-- them; the backend reads and writes them.

-- =============================================================================================
-- trading_rules
-- =============================================================================================
create or replace trigger update_trading_rules_updated_at
  before update on public.trading_rules
  for each row execute function ffx_internal.update_updated_at_column();

revoke all on table public.trading_rules from public, anon, authenticated, service_role;
grant select on table public.trading_rules to anon;
grant select, insert, update, delete on table public.trading_rules to authenticated;
-- service_role reads only: the backend never writes it directly (docs/DATA_API.md)
grant select on table public.trading_rules to service_role;

drop policy if exists "Anyone can view trading rules" on public.trading_rules;
create policy "Anyone can view trading rules" on public.trading_rules
  for select to anon, authenticated
  using (true);

drop policy if exists "Admins can manage trading rules" on public.trading_rules;
create policy "Admins can manage trading rules" on public.trading_rules
  for all to authenticated
  using ((select ffx_internal.is_admin()))
  with check ((select ffx_internal.is_admin()));

-- =============================================================================================
-- crypto_addresses: active ones are public
-- =============================================================================================
create or replace trigger update_crypto_addresses_updated_at
  before update on public.crypto_addresses
  for each row execute function ffx_internal.update_updated_at_column();

revoke all on table public.crypto_addresses from public, anon, authenticated, service_role;
grant select on table public.crypto_addresses to anon;
grant select, insert, update, delete on table public.crypto_addresses to authenticated;
-- service_role reads only: the backend never writes it directly (docs/DATA_API.md)
grant select on table public.crypto_addresses to service_role;

drop policy if exists "Anyone can view active crypto addresses" on public.crypto_addresses;
create policy "Anyone can view active crypto addresses" on public.crypto_addresses
  for select to anon, authenticated
  using (is_active);

drop policy if exists "Admins can manage crypto addresses" on public.crypto_addresses;
create policy "Admins can manage crypto addresses" on public.crypto_addresses
  for all to authenticated
  using ((select ffx_internal.is_admin()))
  with check ((select ffx_internal.is_admin()));

-- =============================================================================================
-- pricing: one USD price per product; orders_apply_pricing (30_orders) copies it into every order
-- =============================================================================================
create or replace trigger update_pricing_updated_at
  before update on public.pricing
  for each row execute function ffx_internal.update_updated_at_column();

revoke all on table public.pricing from public, anon, authenticated, service_role;
grant select on table public.pricing to anon;
grant select, insert, update, delete on table public.pricing to authenticated;
-- service_role reads only: the backend never writes it directly (docs/DATA_API.md)
grant select on table public.pricing to service_role;

drop policy if exists "Anyone can view active prices" on public.pricing;
create policy "Anyone can view active prices" on public.pricing
  for select to anon, authenticated
  using (active);

drop policy if exists "Admins can manage prices" on public.pricing;
create policy "Admins can manage prices" on public.pricing
  for all to authenticated
  using ((select ffx_internal.is_admin()))
  with check ((select ffx_internal.is_admin()));

-- =============================================================================================
-- crypto_currency_map: the checkout's coin codes -> NOWPayments pay_currency
-- =============================================================================================
create or replace trigger update_crypto_currency_map_updated_at
  before update on public.crypto_currency_map
  for each row execute function ffx_internal.update_updated_at_column();

revoke all on table public.crypto_currency_map from public, anon, authenticated, service_role;
grant select on table public.crypto_currency_map to anon;
grant select, insert, update, delete on table public.crypto_currency_map to authenticated;
-- service_role reads only: the backend never writes it directly (docs/DATA_API.md)
grant select on table public.crypto_currency_map to service_role;

drop policy if exists "Anyone can view active crypto currencies" on public.crypto_currency_map;
create policy "Anyone can view active crypto currencies" on public.crypto_currency_map
  for select to anon, authenticated
  using (active);

drop policy if exists "Admins can manage crypto currencies" on public.crypto_currency_map;
create policy "Admins can manage crypto currencies" on public.crypto_currency_map
  for all to authenticated
  using ((select ffx_internal.is_admin()))
  with check ((select ffx_internal.is_admin()));
