-- A run's cells as work that any worker process may claim (issue 16): a
-- worker holds a cell for a lease it keeps renewing; a worker that dies
-- loses the cell when the lease runs out and another runs it again. The
-- scenario files travel with the run, so a worker needs only the database.
create table run_tasks (
    id bigint generated always as identity primary key,
    run_id bigint not null references runs(id) on delete cascade,
    scenario text not null,
    scenario_title text not null,
    municipality text not null,
    -- queued | claimed | done | cancelled
    state text not null default 'queued',
    worker text,
    -- Milliseconds since 1970 (UTC) when the claim lapses.
    lease_until bigint,
    attempts bigint not null default 0,
    unique (run_id, scenario, municipality)
);
create index run_tasks_claimable on run_tasks (state, lease_until);
create index run_tasks_worker on run_tasks (worker, state);

create table run_scenarios (
    run_id bigint not null references runs(id) on delete cascade,
    scenario text not null,
    path text not null,
    source text not null,
    primary key (run_id, scenario)
);

-- How the run's cells are captured (JSON: capture mode, axe-core), and who
-- asked it to stop (null: nobody).
alter table runs add column options text;
alter table runs add column cancel_requested text;
