-- "Fråga varför" (issue 15): e-kontoret asks a municipality why it deviates
-- from the base; the question is a comment addressed to that municipality,
-- and this row ties it to the adaptation it asks about.
create table why_questions (
    id integer primary key autoincrement,
    version_id integer not null references service_versions(id),
    municipality text not null,
    change text not null,
    comment_id integer not null references comments(id),
    asked_by text not null,
    asked_at text not null
);
create index why_questions_version on why_questions (version_id);
