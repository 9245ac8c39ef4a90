-- The workers that run queued cells, as they last checked in (every few
-- seconds): the run page can then say whether anything will run a waiting
-- run, or why it cannot (issue 16).
create table workers (
    id text primary key,
    -- Milliseconds since 1970 (UTC).
    seen_at bigint not null,
    -- Why it cannot run cells now (its browser does not start), or null.
    problem text
);
