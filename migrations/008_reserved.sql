-- Reserved for another change in flight (tern numbers migrations without
-- gaps); replaced by that change's 008 when the branches merge.
SELECT 1;
