-- Placeholder: number 7 is reserved for a migration of another branch. tern
-- refuses a gap in the numbers, so this empty step holds the place until that
-- migration replaces it (delete this file when merging it).
SELECT 1;

---- create above / drop below ----

SELECT 1;
