-- Catalogue entries that came with services imported from another region's
-- test room (issue 15, bundles): shown in the catalogue where this region's
-- own catalogue file does not describe the service.
create table catalogue_imports (
    service_id text primary key,
    region text not null,              -- the region the bundle came from
    entry text not null,               -- JSON, as in provrum-catalogue/1
    imported_by text not null,
    imported_at text not null
);
