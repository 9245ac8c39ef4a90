-- Accounts and roles: reviewers (bound to municipalities), legal advisers,
-- e-kontoret. Passwords are argon2 hashes; sessions are server-side and the
-- cookie holds only a random token whose SHA-256 is stored here.

create table users (
    id integer primary key autoincrement,
    username text not null unique,
    name text not null,
    role text not null,                -- reviewer, legal_adviser, e_kontoret
    password_hash text not null,
    active integer not null default 1,
    created_at text not null
);

create table user_municipalities (
    user_id integer not null references users(id),
    municipality text not null,
    primary key (user_id, municipality)
);

create table user_sessions (
    token_hash text primary key,
    user_id integer not null references users(id),
    created_at text not null,
    expires_at text not null
);
create index user_sessions_user on user_sessions (user_id);
