-- Pin by click (issue 13): when a reviewer points at something on a sandbox
-- page, Provrum renders that same sandbox session's page in its own Chromium
-- and keeps the PNG with the marker drawn in. A shot belongs to the person
-- who pointed; the comment they then save points at it.
create table pin_shots (
    token text primary key,
    user_id bigint not null,
    version_id bigint not null,
    municipality text not null,
    place text not null,
    state text not null,               -- 'pending', 'ok' or 'failed'
    artifact text,                     -- the PNG, content-addressed
    width bigint,
    height bigint,
    box_x bigint, box_y bigint, box_w bigint, box_h bigint,
    created_at text not null
);
alter table comments add column pin_shot text;
