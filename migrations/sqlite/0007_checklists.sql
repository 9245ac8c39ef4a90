-- Legal advisers' assessments of checklist items, append-only: the newest
-- row per (version, checklist, item, municipality) is the standing one, the
-- rest is its history. A null municipality is the regional reading.

create table assessments (
    id integer primary key autoincrement,
    version_id integer not null references service_versions(id),
    checklist text not null,
    item text not null,
    municipality text,
    status text not null,              -- uppfyllt, ej_uppfyllt, ej_tillampligt, behover_utredas
    annotation text not null,
    refs text not null,                -- the references the adviser relies on, free text
    assessed_by text not null,         -- username
    assessor_name text not null,
    assessed_at text not null,
    carried_from text                  -- the version an earlier assessment was confirmed from
);
create index assessments_lookup on assessments (version_id, checklist, item);

-- E-kontoret's regional position where municipalities read the law differently.
create table regional_positions (
    id integer primary key autoincrement,
    version_id integer not null references service_versions(id),
    checklist text not null,
    item text not null,
    position text not null,
    decided_by text not null,
    decided_at text not null
);
