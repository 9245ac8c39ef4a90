-- Waivers of release-gate blockers: e-kontoret accepts one named blocker
-- with a reason until an expiry date; every report lists them.

create table waivers (
    id integer primary key autoincrement,
    version_id integer not null references service_versions(id),
    blocker text not null,             -- the blocker's stable key, e.g. scenarios:eda:bilaga
    reason text not null,
    expires text not null,             -- YYYY-MM-DD, inclusive, Swedish time
    decided_by text not null,
    decided_at text not null
);
create index waivers_version on waivers (version_id);
