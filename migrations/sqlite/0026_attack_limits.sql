-- Limits against abuse found from outside (issue 25).
-- A sandbox upload's size, so every upload the sweep has not removed yet
-- counts against one ceiling for the whole test room's disk.
alter table sandbox_uploads add column size bigint not null default 0;
-- A counted request may weigh more than one (uploaded bytes per address).
alter table rate_hits add column weight bigint not null default 1;
-- Evidence found by the file it shows: /artefakter serves a file only if a
-- run step, a comparison, a deviation or a pin shot refers to it.
create index step_results_screenshot on step_results (screenshot);
create index pin_shots_artifact on pin_shots (artifact);
-- Devices a person has logged in from (by the cookie token's SHA-256):
-- failed guesses elsewhere never lock a known device out of its account.
create table login_devices (
    token_hash text primary key,
    account text not null,
    created_at text not null
);
create index login_devices_account on login_devices (account);
-- A background job is its process's while that process renews the lease
-- (ms since the epoch): a replica that starts never takes a live job on
-- another for a dead one, whatever their host names, and a dead one's job
-- is seen as interrupted once its lease has lapsed.
alter table jobs add column lease_until bigint;
-- What a job was asked to do (JSON), so that another replica can take a
-- job over when the lease of the process running it has lapsed.
alter table jobs add column request text;
-- An Open ePlatform flow uploaded on the catalogue page, converted and
-- shown to e-kontoret before anything is stored as a version: the package
-- it became (JSON [[name, text], …]) until they confirm (or a day passes).
create table flow_uploads (
    token text primary key,
    user_id bigint not null,
    files text not null,
    -- What the review page shows (JSON): summary, notes, title, version.
    report text not null,
    created_at text not null
);
