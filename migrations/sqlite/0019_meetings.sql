-- The region's monthly meetings (issue 15): e-kontoret records the day a
-- meeting was held, so the next meeting's brief starts there.
create table meetings (
    id integer primary key autoincrement,
    held_on text not null,             -- YYYY-MM-DD, Swedish calendar day
    name text not null,                -- "CESAM", "IT-chefsgruppen"
    recorded_by text not null,
    recorded_at text not null
);
create index meetings_held_on on meetings (held_on);
