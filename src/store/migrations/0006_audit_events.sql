-- Who did what to which thing, when, from where: sign-ins (and failed ones), every change to a
-- connection, each use of a connection's credentials by a sync run, share links issued, key
-- rotations. Never a secret: `detail` is a small JSON object of names, ids and counts. A row
-- outlives its user (user_id is set to NULL when the user is deleted), so that the trail of a
-- removed account stays; `actor` keeps the email it had.
CREATE TABLE audit_events (
    id {{id_pk}},
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    remote_address TEXT,
    request_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_events_by_user ON audit_events (user_id, id);
CREATE INDEX audit_events_by_action ON audit_events (action, id);
