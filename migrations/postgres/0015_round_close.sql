-- Review rounds (issue 14): e-kontoret may close a round before its
-- deadline (who and when), and an "antar med synpunkter" names the
-- municipality's comments it refers to.
alter table review_rounds add column closed_at text;
alter table review_rounds add column closed_by text;
create table round_answer_comments (
    round_id bigint not null references review_rounds(id),
    municipality text not null,
    comment_id bigint not null references comments(id),
    primary key (round_id, municipality, comment_id)
);
