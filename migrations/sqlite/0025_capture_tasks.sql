-- A comparison's capture walks as work any worker may claim (issue 16), as
-- the scenario cells are (0022): a worker holds a walk for a lease it keeps
-- renewing, and stores the capture together with marking the walk done.
-- The walk travels whole (the variant as walked, its viewport and page), so
-- a worker needs only the database.
create table capture_tasks (
    id integer primary key autoincrement,
    -- One comparison's walks, waited for together by whoever asked for them.
    batch text not null,
    version_id integer not null references service_versions(id) on delete cascade,
    target text not null,
    viewport text not null,
    definition text not null,
    path text not null,
    -- JSON: the variant walked, and the viewport.
    variant text not null,
    viewport_spec text not null,
    -- Where the requester keeps the files required file questions get.
    files_dir text not null,
    -- queued | claimed | done | cancelled
    state text not null default 'queued',
    worker text,
    -- Milliseconds since 1970 (UTC) when the claim lapses.
    lease_until bigint,
    attempts bigint not null default 0,
    capture_id integer references captures(id),
    error text
);
create index capture_tasks_claimable on capture_tasks (state, lease_until);
create index capture_tasks_batch on capture_tasks (batch);
create index capture_tasks_worker on capture_tasks (worker, state);
