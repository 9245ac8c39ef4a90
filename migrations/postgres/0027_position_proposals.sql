-- A legal adviser proposes the regional position where municipalities read
-- the law differently; e-kontoret adopts it (or writes its own). Both are
-- rows of the same append-only table: a proposal stays pending until a
-- decision on the same item is recorded after it.
alter table regional_positions add column kind text not null default 'decision';
