-- Waivers of release-gate blockers: e-kontoret accepts one named blocker
-- with a reason until an expiry date; every report lists them.

create table waivers (
    id bigint generated always as identity primary key,
    version_id bigint not null references service_versions(id),
    blocker text not null,             -- the blocker's stable key, e.g. scenarios:eda:bilaga
    reason text not null,
    expires text not null,             -- YYYY-MM-DD, inclusive, Swedish time
    decided_by text not null,
    decided_at text not null
);
create index waivers_version on waivers (version_id);
