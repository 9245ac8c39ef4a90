-- The start page shows each person what is new since their last visit
-- (issue 13): when it was last shown, and the moment it counts "new" from
-- (the previous visit, kept while the person moves around the test room).
alter table users add column desk_seen_at text;
alter table users add column desk_since text;
-- A legal question answered by a legal adviser's assessment points at it.
alter table comments add column answered_by integer;
-- Where a person gets the review rounds' e-mail (optional).
alter table users add column email text;
-- Every e-mail sent, by a key that names what it is about ("open:ROUND:USER"),
-- so that each is sent once, also across restarts and several servers.
create table mail_sent (
    key text primary key,
    recipient text not null,
    subject text not null,
    sent_at text not null
);
