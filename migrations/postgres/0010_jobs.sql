-- Background jobs started from the web (scenario runs, comparisons): one row
-- per job, so "running" survives nothing but the process that runs it, and a
-- job whose process died is shown as interrupted after a restart.

create table jobs (
    id bigint generated always as identity primary key,
    kind text not null,                -- run, comparison
    subject bigint not null,           -- run id or version id
    status text not null,              -- running, done, failed, interrupted
    error text,
    started_by text not null,
    started_at text not null,
    finished_at text,
    done bigint not null default 0,
    total bigint not null default 0
);
create index jobs_subject on jobs (kind, subject, id);
