-- Covering indexes for the front-door performance page and the late receipts report
-- (crates/cairn-db/src/front_door/performance.rs). Each holds every column its query reads,
-- so a year of a large county (30,000 contacts) is counted from the indexes alone, without
-- visiting the table rows (which carry the long concern and message texts).
-- The other migration tree holds the same indexes under the same migration name.

-- Contacts in a period (and at an office): by source, channel, out of hours, status and when
-- decided; `id` for the joins below.
CREATE INDEX contacts_reporting_idx ON contacts (received_at, office_id, status, referral_source,
    channel, out_of_hours, decided_at, id);

-- Decisions on those contacts, counted by level, screener and outcome.
CREATE INDEX screening_decisions_reporting_idx ON screening_decisions (contact_id, status,
    threshold_level_id, decided_by, outcome);

-- Receipts and feedback: when due and when sent.
CREATE INDEX referrer_messages_reporting_idx ON referrer_messages (contact_id, kind, status, due_at,
    sent_at, created_at);

-- Children on those contacts and what became of them.
CREATE INDEX contact_children_reporting_idx ON contact_children (contact_id, routed_to, referral_id,
    decision_id);

-- Whether the referrer can be sent a receipt and wants feedback.
CREATE INDEX contact_referrers_reporting_idx ON contact_referrers (contact_id, kind, name,
    wants_feedback);

-- Referrals in a period: originating contact, re-referral and closure reason.
CREATE INDEX referrals_reporting_idx ON referrals (referral_date, contact_id, re_referral,
    closure_reason);
