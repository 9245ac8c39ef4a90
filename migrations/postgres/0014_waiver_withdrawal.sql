-- A waiver can be withdrawn (issue 14): who and when; it then no longer
-- lifts its blocker, and the release page lists it as withdrawn.
alter table waivers add column withdrawn_by text;
alter table waivers add column withdrawn_at text;
