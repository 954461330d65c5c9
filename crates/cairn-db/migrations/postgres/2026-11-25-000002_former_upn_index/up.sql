-- Searching by UPN also matches a former UPN; without this index that is a full scan.
CREATE INDEX people_former_upn_idx ON people (former_upn);
