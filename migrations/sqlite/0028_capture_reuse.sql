-- A capture is reused by what it depends on, in any version (issue 29): a
-- version whose variant renders exactly as another version's did gets a copy
-- of that capture's row (the same page files), marked with where it came from.
alter table captures add column reused_from bigint;
create index captures_by_definition on captures (definition, target, viewport);
