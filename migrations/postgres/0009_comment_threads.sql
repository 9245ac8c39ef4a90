-- Replies are looked up by their parent on every comment page and counted
-- for every row of the list: without this index each is a full scan.
create index comments_parent on comments (parent_id);
