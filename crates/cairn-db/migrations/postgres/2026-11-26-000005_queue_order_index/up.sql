-- The screening queue orders by deadline, then by time received. With only the deadline in the
-- index, every page sorted all waiting contacts in a temporary B-tree (2.6 ms instead of 0.2 ms
-- for a page of 50 from 5,000 on SQLite); with both, the index gives the order directly.
DROP INDEX contacts_status_decision_due_at_idx;
CREATE INDEX contacts_status_decision_due_at_idx ON contacts (status, decision_due_at, received_at);
