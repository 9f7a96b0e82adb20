-- 0005_user_profiles_comment: the comment on user_profiles cited a design document that is not
-- part of the repository; it cites the README now (0001_baseline says the same for new databases).
comment on table public.user_profiles is
  'Customer profile, one per auth.users row. Deliberately no password column (README "Deviations from the seed").';
