-- Placeholder. Migrations 008 to 011 are reserved for other branches; tern
-- refuses a gap in the numbering, so this branch holds their places with
-- steps that do nothing. Delete this file when the branch that owns the
-- number merges.
SELECT 1;

---- create above / drop below ----

SELECT 1;
