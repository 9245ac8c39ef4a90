-- Pin by click (issue 13): when a reviewer points at something on a sandbox
-- page, Provrum renders that same sandbox session's page in its own Chromium
-- and keeps the PNG with the marker drawn in. A shot belongs to the person
-- who pointed; the comment they then save points at it.
create table pin_shots (
    token text primary key,
    user_id integer not null,
    version_id integer not null,
    municipality text not null,
    place text not null,
    state text not null,               -- 'pending', 'ok' or 'failed'
    artifact text,                     -- the PNG, content-addressed
    width integer,
    height integer,
    box_x integer, box_y integer, box_w integer, box_h integer,
    created_at text not null
);
alter table comments add column pin_shot text;
