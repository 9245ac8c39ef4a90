-- Foundation: municipalities, immutable service versions with resolved
-- variants, sandbox sessions, captured submissions and the audit log.
-- Timestamps are RFC 3339 UTC text; JSON documents are text.

create table municipalities (
    id text primary key,
    name text not null,
    code text,
    kind text not null,
    data text not null
);

create table services (
    id text primary key,
    title text not null,
    created_at text not null
);

create table service_versions (
    id integer primary key autoincrement,
    service_id text not null references services(id),
    version text not null,
    title text not null,
    content_hash text not null,
    files text not null,
    base text not null,
    imported_at text not null,
    constraint service_versions_unique_version unique (service_id, version)
);

create table variants (
    version_id integer not null references service_versions(id),
    municipality text not null references municipalities(id),
    external_url text,
    definition text not null,
    primary key (version_id, municipality)
);

create table sandbox_sessions (
    id text primary key,
    csrf text not null,
    version_id integer not null references service_versions(id),
    municipality text not null,
    personnummer text,
    answers text not null,
    files text not null,
    signed_at text,
    submission_id integer,
    created_at text not null,
    updated_at text not null
);

create table submissions (
    id integer primary key autoincrement,
    version_id integer not null references service_versions(id),
    municipality text not null,
    case_number text not null unique,
    submitted_at text not null,
    personnummer text,
    payload text not null
);
create index submissions_by_variant on submissions (version_id, municipality, id);

create table attachments (
    id integer primary key autoincrement,
    submission_id integer not null references submissions(id),
    field text not null,
    filename text not null,
    content_type text not null,
    size integer not null,
    sha256 text not null
);

create table audit_log (
    id integer primary key autoincrement,
    at text not null,
    actor text not null,
    action text not null,
    subject text not null,
    detail text not null
);
