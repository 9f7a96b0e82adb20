-- 70_email_outbox: e-mail templates, the outbox and the functions the mailer (tools/ffx-mailer)
-- works it with.
--
-- The delivery transaction writes the e-mail to this outbox together with the delivered account,
-- so an e-mail exists if and only if the delivery committed. The mailer, a separate long-running
-- process, sends what is due:
--
--   pending --outbox_claim--> sending --outbox_mark_sent--> sent
--                               |   \--outbox_mark_failed--> pending (backoff) ... --> failed
--                               \-- lease (locked_until) expired: outbox_claim takes it again
--   failed --outbox_requeue (admin or service)--> pending
--
-- Delivery is at least once: a mailer that dies between the SMTP send and outbox_mark_sent leaves
-- the row in 'sending'; once its lease expires the row is claimed and sent again, with the same
-- Message-ID (<outbox-ID@flashfundx.local>) so the resend is recognisably the same message.
-- attempts counts claims, so a crashed attempt counts too.
--
-- variables holds the template's values, account credentials included: only the backend
-- (service_role) and admins read the table, and the functions below are the mailer's only way in.

-- =============================================================================================
-- email_templates: {{placeholder}} templates rendered by the mailer; admin-only
-- =============================================================================================
create or replace trigger update_email_templates_updated_at
  before update on public.email_templates
  for each row execute function ffx_internal.update_updated_at_column();

revoke all on table public.email_templates from public, anon, authenticated, service_role;
grant select, insert, update, delete on table public.email_templates to authenticated;
-- service_role reads only: the backend never writes it directly (docs/DATA_API.md)
grant select on table public.email_templates to service_role;

drop policy if exists "Admins can manage email templates" on public.email_templates;
create policy "Admins can manage email templates" on public.email_templates
  for all to authenticated
  using ((select ffx_internal.is_admin()))
  with check ((select ffx_internal.is_admin()));

-- =============================================================================================
-- email_outbox
-- =============================================================================================
create or replace trigger update_email_outbox_updated_at
  before update on public.email_outbox
  for each row execute function ffx_internal.update_updated_at_column();

-- Wake the mailer (LISTEN ffx_outbox) as soon as the inserting transaction commits; the payload is
-- the row id. The mailer also polls, so a lost notification only delays an e-mail.
create or replace function ffx_internal.email_outbox_notify()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_notify('ffx_outbox', new.id::text);
  return new;
end
$$;
revoke all on function ffx_internal.email_outbox_notify() from public, anon, authenticated, service_role;

create or replace trigger email_outbox_notify
  after insert on public.email_outbox
  for each row execute function ffx_internal.email_outbox_notify();

revoke all on table public.email_outbox from public, anon, authenticated, service_role;
revoke all on sequence public.email_outbox_id_seq from public, anon, authenticated, service_role;
-- admins run as authenticated: SELECT is granted and the policy narrows it to admins, so an
-- ordinary user sees no row at all
grant select on table public.email_outbox to authenticated;
-- service_role reads only: the delivery transaction and the outbox functions (SECURITY DEFINER)
-- write it
grant select on table public.email_outbox to service_role;

drop policy if exists "Admins can view the email outbox" on public.email_outbox;
create policy "Admins can view the email outbox" on public.email_outbox
  for select to authenticated
  using ((select ffx_internal.is_admin()));

-- =============================================================================================
-- The mailer's functions
-- =============================================================================================
-- ---------------------------------------------------------------------------------------------
-- outbox_claim(limit, lease): take up to p_limit due messages for sending.
--
-- Due: 'pending' whose next_attempt_at has come, or 'sending' whose lease has expired (its
-- mailer died mid-send). FOR UPDATE SKIP LOCKED lets several mailers claim at once without ever
-- taking the same row; each claimed row becomes 'sending' with a lease of p_lease_seconds and one
-- more attempt. The template (active only) comes along; NULL subject/html_body = no such active
-- template, which the mailer treats as a permanent failure.
-- ---------------------------------------------------------------------------------------------
create or replace function ffx_internal.outbox_claim(p_limit integer, p_lease_seconds integer)
returns table (id bigint, to_email text, template_name text, subject text, html_body text,
               text_body text, variables jsonb, attempts integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'outbox_claim: p_limit must be between 1 and 1000' using errcode = 'invalid_parameter_value';
  end if;
  if p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
    raise exception 'outbox_claim: p_lease_seconds must be between 1 and 86400' using errcode = 'invalid_parameter_value';
  end if;

  return query
  with due as (
    select o.id
      from public.email_outbox o
     where (o.status = 'pending' and o.next_attempt_at <= now())
        or (o.status = 'sending' and o.locked_until < now())
     order by o.next_attempt_at, o.id
     limit p_limit
       for update skip locked
  ), claimed as (
    update public.email_outbox o
       set status = 'sending',
           locked_until = now() + make_interval(secs => p_lease_seconds),
           attempts = o.attempts + 1
      from due
     where o.id = due.id
    returning o.id, o.to_email, o.template_name, o.variables, o.attempts
  )
  select c.id, c.to_email, c.template_name, t.subject, t.html_body, t.text_body, c.variables, c.attempts
    from claimed c
    left join public.email_templates t on t.template_name = c.template_name and t.is_active
   order by c.id;
end
$$;

comment on function ffx_internal.outbox_claim(integer, integer) is
  'Mailer: claim up to p_limit due e-mails (pending and due, or sending with an expired lease) for p_lease_seconds, with their active template.';
revoke all on function ffx_internal.outbox_claim(integer, integer) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.outbox_claim(integer, integer) to service_role;

-- ---------------------------------------------------------------------------------------------
-- outbox_mark_sent(id): the SMTP server accepted the message. Idempotent: a second call (a resend
-- after a lost acknowledgement) keeps the first sent_at. For account_delivery it also records the
-- e-mail on the order's delivered account. Returns false when there is no such row.
-- ---------------------------------------------------------------------------------------------
create or replace function ffx_internal.outbox_mark_sent(p_id bigint)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_order_id text;
  v_template text;
  v_sent_at  timestamptz;
begin
  update public.email_outbox o
     set status = 'sent',
         sent_at = coalesce(o.sent_at, now()),
         locked_until = null
   where o.id = p_id
  returning o.order_id, o.template_name, o.sent_at into v_order_id, v_template, v_sent_at;
  if not found then
    return false;
  end if;

  if v_template = 'account_delivery' then
    update public.delivered_accounts d
       set email_sent = true,
           email_sent_at = v_sent_at
     where d.order_id = v_order_id
       and (not d.email_sent or d.email_sent_at is null);
  end if;
  return true;
end
$$;

comment on function ffx_internal.outbox_mark_sent(bigint) is
  'Mailer: the message was accepted by the SMTP server (idempotent); account_delivery also sets delivered_accounts.email_sent.';
revoke all on function ffx_internal.outbox_mark_sent(bigint) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.outbox_mark_sent(bigint) to service_role;

-- ---------------------------------------------------------------------------------------------
-- outbox_mark_failed(id, error, max_attempts): this attempt failed. With attempts left the row
-- goes back to 'pending' after an exponential backoff (2^attempts seconds, at most 5 minutes);
-- otherwise it is 'failed' for an admin to look at (outbox_requeue). Only a row in 'sending'
-- changes: a row another mailer has meanwhile sent stays sent. Returns the row's status after
-- the call, NULL when there is no such row.
-- ---------------------------------------------------------------------------------------------
create or replace function ffx_internal.outbox_mark_failed(p_id bigint, p_error text, p_max_attempts integer)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_status text;
begin
  update public.email_outbox o
     set status = case when o.attempts >= p_max_attempts then 'failed' else 'pending' end,
         next_attempt_at = case when o.attempts >= p_max_attempts then o.next_attempt_at
                                else now() + make_interval(secs => least(power(2, o.attempts), 300)) end,
         locked_until = null,
         last_error = left(p_error, 500)
   where o.id = p_id and o.status = 'sending'
  returning o.status into v_status;
  if not found then
    select o.status into v_status from public.email_outbox o where o.id = p_id;
  end if;
  return v_status;
end
$$;

comment on function ffx_internal.outbox_mark_failed(bigint, text, integer) is
  'Mailer: the attempt failed; back to pending with backoff min(2^attempts, 300) s, or failed once attempts >= p_max_attempts.';
revoke all on function ffx_internal.outbox_mark_failed(bigint, text, integer) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.outbox_mark_failed(bigint, text, integer) to service_role;

-- ---------------------------------------------------------------------------------------------
-- outbox_requeue(id): an admin (or the backend) sends a failed e-mail again, with a fresh count
-- of attempts, and wakes the mailer. An admin's requeue is written to the audit log. Returns
-- false when the row does not exist or is not 'failed'.
-- ---------------------------------------------------------------------------------------------
create or replace function ffx_internal.outbox_requeue(p_id bigint)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_is_admin boolean := ffx_internal.is_admin();
  v_error    text;
begin
  if not (v_is_admin or ffx_internal.is_service_role()) then
    raise exception 'admin only' using errcode = 'insufficient_privilege';
  end if;

  update public.email_outbox o
     set status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = null
   where o.id = p_id and o.status = 'failed'
     and o.to_email <> ''  -- no recipient: the customer was erased (erase_customer, 10_identity)
  returning o.last_error into v_error;
  if not found then
    return false;
  end if;

  if v_is_admin then
    insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                        old_values, new_values)
    values (auth.uid(), auth.jwt() ->> 'email', 'requeue_email', 'email_outbox', p_id::text,
            jsonb_build_object('status', 'failed', 'last_error', v_error),
            jsonb_build_object('status', 'pending', 'attempts', 0));
  end if;
  perform pg_notify('ffx_outbox', p_id::text);
  return true;
end
$$;

comment on function ffx_internal.outbox_requeue(bigint) is
  'Admin or service_role: send a failed e-mail again (status pending, attempts 0); audited for admins.';
revoke all on function ffx_internal.outbox_requeue(bigint) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.outbox_requeue(bigint) to authenticated, service_role;
