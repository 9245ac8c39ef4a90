-- Scenario runs: one run is a matrix of scenario × variant; each cell keeps
-- its steps with status, timings, screenshot and text (artifacts by hash).

create table runs (
    id integer primary key autoincrement,
    version_id integer not null references service_versions(id),
    status text not null,              -- running, passed, failed, error, interrupted
    started_at text not null,
    finished_at text,
    started_by text not null,
    host text not null,                -- who runs it: an interrupted run is one whose host died
    concurrency integer not null,
    summary text not null              -- JSON counts, filled at the end
);

create table run_cells (
    id integer primary key autoincrement,
    run_id integer not null references runs(id),
    scenario text not null,
    scenario_title text not null,
    municipality text not null,
    status text not null,              -- pending, running, passed, failed, error, skipped
    reason text,
    failed_step integer,
    duration_ms integer not null,
    case_number text,
    constraint run_cells_unique unique (run_id, scenario, municipality)
);

create table step_results (
    id integer primary key autoincrement,
    cell_id integer not null references run_cells(id),
    position integer not null,
    action text not null,
    label text not null,
    status text not null,              -- passed, failed, error, skipped
    reason text,
    duration_ms integer not null,
    url text,
    screenshot text,                   -- artifact sha256
    text_hash text,                    -- artifact sha256 of the visible text
    console_errors text not null,      -- JSON list
    page_errors text not null,         -- JSON list
    blocked_requests text not null,    -- JSON list
    constraint step_results_unique unique (cell_id, position)
);
