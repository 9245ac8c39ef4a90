-- The start page shows each person what is new since their last visit
-- (issue 13): when it was last shown, and the moment it counts "new" from
-- (the previous visit, kept while the person moves around the test room).
alter table users add column desk_seen_at text;
alter table users add column desk_since text;
-- A legal question answered by a legal adviser's assessment points at it.
alter table comments add column answered_by integer;
