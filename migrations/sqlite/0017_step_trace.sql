-- What Playwright's trace viewer gives per step (issue 14): the requests
-- that failed inside the test room, and the document as it was (artifact
-- hash) at checkpoints and failures.
alter table step_results add column failed_requests text;
alter table step_results add column dom_snapshot text;
