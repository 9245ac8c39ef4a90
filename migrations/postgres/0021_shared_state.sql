-- State every web replica on one database must share (issue 16): failed
-- logins, so every replica throttles the same guesser and a restart keeps
-- them; and a cancel request on a job, which its owner process polls.
create table login_failures (
    id bigint generated always as identity primary key,
    account text not null,
    client text not null,
    at text not null
);
create index login_failures_account on login_failures (account, at);
create index login_failures_client on login_failures (client, at);

-- Per (account, client): failures in a row and the last one's time.
create table login_streaks (
    account text not null,
    client text not null,
    failures integer not null,
    last_at text not null,
    primary key (account, client)
);

-- Who asked a running job to stop, and when (null: nobody).
alter table jobs add column cancel_requested text;

-- Passes of the test room's own browsers (a run, the PDF printer), by the
-- token's SHA-256: any replica the browser reaches honours them.
create table runner_passes (
    token_hash text primary key,
    expires_at text not null
);

-- Bulk actions counted per client or user (sandbox sessions and cases, run
-- starts) across every replica: one row per counted request.
create table rate_hits (
    key text not null,
    at text not null
);
create index rate_hits_key on rate_hits (key, at);
