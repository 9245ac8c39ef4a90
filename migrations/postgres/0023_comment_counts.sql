-- The comment list reads each comment's endorsement and reply counts from
-- its own row instead of counting per row on every view, and finds a
-- municipality's comments and endorsements by index (issue 16: the
-- reviewers' load bench). Kept by reviews::store and reviews::carry in the
-- transactions that add or remove endorsements and replies.
alter table comments add column endorsement_count bigint not null default 0;
alter table comments add column reply_count bigint not null default 0;
update comments set
    endorsement_count = (select count(*) from endorsements e where e.comment_id = comments.id),
    reply_count = (select count(*) from comments r where r.parent_id = comments.id);
create index comments_version_top on comments (version_id, parent_id, municipality, id);
create index endorsements_municipality on endorsements (municipality, comment_id);
