-- Regions of a service's pages that comparisons ignore (issue 14): marked
-- by e-kontoret on a comparison's evidence, with who and why; removing one
-- keeps the row (who and when) so the history stays.
create table ignored_regions (
    id integer primary key autoincrement,
    service_id text not null,
    step text not null,
    viewport text not null,
    x bigint not null,
    y bigint not null,
    w bigint not null,
    h bigint not null,
    reason text not null,
    created_by text not null,
    created_at text not null,
    removed_by text,
    removed_at text
);
create index ignored_regions_service on ignored_regions (service_id);
