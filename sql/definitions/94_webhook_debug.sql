-- 94_webhook_debug: the webhook-debug function's bounded request log. webhook_debug_log is written
-- only through webhook_debug_record(), which keeps the newest 1000 rows, so an open debug endpoint
-- cannot fill the disk.

revoke all on table public.webhook_debug_log from public, anon, authenticated, service_role;
revoke all on sequence public.webhook_debug_log_id_seq from public, anon, authenticated, service_role;
grant select, insert, update, delete on table public.webhook_debug_log to authenticated;
-- service_role reads only: webhook_debug_record() (SECURITY DEFINER) writes it
grant select on table public.webhook_debug_log to service_role;

drop policy if exists "Admins can manage webhook debug log" on public.webhook_debug_log;
create policy "Admins can manage webhook debug log" on public.webhook_debug_log
  for all to authenticated
  using ((select ffx_internal.is_admin()))
  with check ((select ffx_internal.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- webhook-debug sink: record one request and keep only the newest 1000 rows, so an open debug
-- endpoint cannot fill the disk. Executable by service_role only.
-- ---------------------------------------------------------------------------------------------
create or replace function ffx_internal.webhook_debug_record(
  p_method      text,
  p_path        text,
  p_query       text,
  p_headers     jsonb,
  p_body        bytea,
  p_client_addr text
)
returns timestamptz
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_received_at timestamptz;
begin
  insert into public.webhook_debug_log (method, path, query, headers, body, client_addr)
  values (p_method, p_path, p_query, p_headers, p_body, p_client_addr)
  returning received_at into v_received_at;

  -- identity order = arrival order; everything at or below the 1001st newest id goes
  delete from public.webhook_debug_log
   where id <= (select w.id from public.webhook_debug_log w order by w.id desc offset 1000 limit 1);

  return v_received_at;
end
$$;
revoke all on function ffx_internal.webhook_debug_record(text, text, text, jsonb, bytea, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.webhook_debug_record(text, text, text, jsonb, bytea, text) to service_role;
