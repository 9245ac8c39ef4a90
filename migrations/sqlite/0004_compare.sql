-- Variant comparison: captures of what each variant renders, the deviations
-- found against a reference (the base, or another version), and e-kontoret's
-- decisions on them, remembered by fingerprint (like insta's accepted snapshots).

create table captures (
    id integer primary key autoincrement,
    version_id integer not null references service_versions(id),
    target text not null,              -- municipality, or 'municipality~bas' for the base as it would show
    viewport text not null,
    definition text not null,          -- hash of what was rendered (variant, viewport, capture format)
    status text not null,              -- ok, error
    error text,
    pages text not null,               -- JSON: [{step, title, screenshot, text, structure, stable}]
    created_at text not null
);
create index captures_lookup on captures (version_id, target, viewport, definition);

create table deviations (
    id integer primary key autoincrement,
    version_id integer not null references service_versions(id),
    reference text not null,           -- 'base', or the compared version
    municipality text not null,
    step text not null,
    kind text not null,                -- text, structure, pixels:<viewport>, page, declared, capture
    fingerprint text not null,
    summary text not null,
    detail text not null,              -- JSON, kind-specific
    created_at text not null
);
create index deviations_version on deviations (version_id, reference);

create table deviation_decisions (
    id integer primary key autoincrement,
    service_id text not null,
    municipality text not null,
    step text not null,
    kind text not null,
    reference_kind text not null,      -- base, version
    fingerprint text not null,
    decision text not null,            -- approved, flagged
    comment text not null,
    actor text not null,
    decided_at text not null,
    version text not null              -- the version it was decided on
);
create index deviation_decisions_lookup on deviation_decisions (service_id, municipality, step, kind, fingerprint);

create table releases (
    id integer primary key autoincrement,
    service_id text not null,
    version_id integer not null references service_versions(id),
    released_at text not null,
    released_by text not null
);
