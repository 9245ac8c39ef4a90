-- Accessibility results (axe-core) per captured step, as JSON.
alter table step_results add column accessibility text;
