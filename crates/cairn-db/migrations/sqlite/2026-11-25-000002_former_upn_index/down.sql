DROP INDEX people_former_upn_idx;
