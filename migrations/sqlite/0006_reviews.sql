-- Reviewers' feedback: comments pinned to a variant, step, field or region,
-- classified (krav, önskemål, juridisk fråga, fel), endorsed once per
-- municipality, triaged by e-kontoret; review rounds with answers.

create table comments (
    id integer primary key autoincrement,
    service_id text not null,
    version_id integer not null references service_versions(id),
    parent_id integer references comments(id),
    municipality text,                 -- the variant it is pinned to (null: the whole service)
    step text,                         -- step id
    field text,                        -- field id
    region_x integer, region_y integer, region_w integer, region_h integer,
    quote text,                        -- text-quote anchor: the quoted text …
    quote_prefix text,                 -- … with some context before
    quote_suffix text,                 -- … and after
    class text not null,               -- krav, onskemal, juridisk, fel
    motivation text,
    priority text not null,            -- hog, normal, lag
    body text not null,
    status text not null,              -- ny, accepterad, uppskjuten, avvisad, atgardad
    status_reason text,
    author_id integer not null references users(id),
    author_name text not null,
    author_municipality text,
    orphaned text,                     -- why the anchor no longer matches (null: anchored)
    carried_from integer references comments(id),
    created_at text not null,
    updated_at text not null
);
create index comments_version on comments (version_id);

create table comment_revisions (
    id integer primary key autoincrement,
    comment_id integer not null references comments(id),
    field text not null,               -- what changed: body, class, status, priority, motivation
    before_value text,
    after_value text,
    note text,
    actor_id integer not null references users(id),
    actor_name text not null,
    at text not null
);
create index comment_revisions_comment on comment_revisions (comment_id);

create table endorsements (
    comment_id integer not null references comments(id),
    municipality text not null,
    user_id integer not null references users(id),
    created_at text not null,
    primary key (comment_id, municipality)
);

create table review_rounds (
    id integer primary key autoincrement,
    version_id integer not null references service_versions(id),
    deadline text not null,            -- YYYY-MM-DD, inclusive, Swedish time
    opened_by text not null,
    opened_at text not null
);

create table round_answers (
    round_id integer not null references review_rounds(id),
    municipality text not null,
    answer text not null,              -- antar, antar_med_synpunkter, avstar
    reason text,
    user_id integer not null references users(id),
    user_name text not null,
    answered_at text not null,
    primary key (round_id, municipality)
);
