-- Hardening (issue 12).
-- Files uploaded in the sandbox, so that a sweep can remove those no session,
-- case or artifact refers to any more (the store is content-addressed: a file
-- is deleted only when nothing points at its hash).
create table sandbox_uploads (
    sha256 text primary key,
    uploaded_at text not null
);
-- Idle sandbox sessions expire; the sweep finds them by their last change.
create index sandbox_sessions_updated on sandbox_sessions (updated_at);
-- Staff sessions end after a while without use, not only at their fixed end.
alter table user_sessions add column last_seen text;
-- One-time keys of comment and assessment forms: a retried post (the answer
-- was lost, the user pressed again) finds its key used and is not stored twice.
create table form_keys (
    key text primary key,
    used_at text not null,
    target text not null               -- where the first post led
);
