-- A scenario cell is reused by what it depends on (issue 29): the queued
-- cell carries the fingerprint of its inputs (variant as served, scenario
-- file, attached files, capture options, the build's runner sources); a
-- stored cell also says on what browser set-up it ran. A cell whose
-- fingerprint and browser match a stored passed or failed cell gets a copy
-- of that cell's rows (the same evidence files), marked with where it ran.
alter table run_tasks add column fingerprint text;
alter table run_cells add column fingerprint text;
alter table run_cells add column browser text;
alter table run_cells add column reused_from bigint;
create index run_cells_by_fingerprint on run_cells (fingerprint, browser);
