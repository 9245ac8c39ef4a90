-- Background jobs started from the web (scenario runs, comparisons): one row
-- per job with the process that runs it, so a job whose process died is shown
-- as interrupted at the next start, while another live server's jobs are not.

create table jobs (
    id integer primary key autoincrement,
    kind text not null,                -- run, comparison
    subject bigint not null,           -- run id or version id
    status text not null,              -- running, done, failed, interrupted
    error text,
    started_by text not null,
    host text not null,                -- host:pid of the process running it
    started_at text not null,
    finished_at text,
    done bigint not null default 0,
    total bigint not null default 0
);
create index jobs_subject on jobs (kind, subject, id);
