-- A database's schema read from the catalogs, one line per object, in a stable order: what
-- `scripts/schema-snapshot --catalog` prints. It stands in for `pg_dump --schema-only` where
-- pg_dump refuses the server (Debian 12's pg_dump 15 against PostgreSQL 17) and covers what a
-- migration can change here: schemas, relations and their columns, defaults, constraints,
-- indexes, triggers, policies, functions, views, types, sequences, extensions and every ACL.
-- No oid appears in it, so two databases built alike print the same lines.
with ns as (select oid, nspname from pg_namespace
             where nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and nspname !~ '^pg_temp'
               and nspname !~ '^pg_toast_temp')
select 'schema', n.nspname, pg_get_userbyid(n.nspowner), n.nspacl::text from pg_namespace n join ns using (oid)
union all
select 'relation', c.oid::regclass::text, c.relkind::text,
       concat_ws(' ', pg_get_userbyid(c.relowner), c.relacl::text, c.relrowsecurity, c.relforcerowsecurity,
                 c.reloptions::text)
  from pg_class c join ns on ns.oid = c.relnamespace where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f', 'c')
union all
select 'view', c.oid::regclass::text, pg_get_viewdef(c.oid), null
  from pg_class c join ns on ns.oid = c.relnamespace where c.relkind in ('v', 'm')
union all
select 'column', a.attrelid::regclass::text || '.' || a.attname, format_type(a.atttypid, a.atttypmod),
       concat_ws(' ', a.attnotnull, a.attidentity, a.attgenerated, a.attacl::text, a.attcollation::regcollation::text,
                 pg_get_expr(d.adbin, d.adrelid))
  from pg_attribute a join pg_class c on c.oid = a.attrelid join ns on ns.oid = c.relnamespace
  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
 where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm', 'f', 'c')
union all
select 'constraint', conrelid::regclass::text || ' ' || conname, contype::text, pg_get_constraintdef(co.oid)
  from pg_constraint co join ns on ns.oid = co.connamespace
union all
select 'index', i.indexrelid::regclass::text, null, pg_get_indexdef(i.indexrelid)
  from pg_index i join pg_class c on c.oid = i.indexrelid join ns on ns.oid = c.relnamespace
union all
select 'trigger', t.tgrelid::regclass::text || ' ' || t.tgname, t.tgenabled::text, pg_get_triggerdef(t.oid)
  from pg_trigger t join pg_class c on c.oid = t.tgrelid join ns on ns.oid = c.relnamespace where not t.tgisinternal
union all
select 'policy', p.polrelid::regclass::text || ' ' || p.polname, p.polcmd::text,
       concat_ws(' ', p.polpermissive, p.polroles::regrole[]::text, pg_get_expr(p.polqual, p.polrelid),
                 pg_get_expr(p.polwithcheck, p.polrelid))
  from pg_policy p join pg_class c on c.oid = p.polrelid join ns on ns.oid = c.relnamespace
union all
select 'function', p.oid::regprocedure::text, pg_get_userbyid(p.proowner),
       concat_ws(' ', p.proacl::text, case when p.prokind in ('f', 'p', 'w') then pg_get_functiondef(p.oid) end)
  from pg_proc p join ns on ns.oid = p.pronamespace
union all
select 'type', t.oid::regtype::text, t.typtype::text,
       concat_ws(' ', t.typacl::text, (select string_agg(e.enumlabel, ',' order by e.enumsortorder)
                                        from pg_enum e where e.enumtypid = t.oid))
  from pg_type t join ns on ns.oid = t.typnamespace where t.typtype in ('e', 'd', 'r', 'm')
union all
select 'sequence', s.seqrelid::regclass::text, format_type(s.seqtypid, null),
       concat_ws(' ', s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle)
  from pg_sequence s join pg_class c on c.oid = s.seqrelid join ns on ns.oid = c.relnamespace
union all
select 'extension', e.extname, e.extversion, null from pg_extension e
order by 1, 2, 3, 4
