-- Reserved for another change in flight (tern numbers migrations without
-- gaps); replaced by that change's 007 when the branches merge.
SELECT 1;
