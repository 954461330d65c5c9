DROP INDEX contacts_status_decision_due_at_idx;
CREATE INDEX contacts_status_decision_due_at_idx ON contacts (status, decision_due_at);
