-- What collectors' service workers report about themselves (`POST /api/v1/telemetry`): counts
-- since their last report, nothing about people or orders. Kept as received, so `vitrine slo`
-- can judge replay success over any range; the route bounds each count and rate-limits each
-- address.
CREATE TABLE worker_reports (
    id               INTEGER PRIMARY KEY,
    received_at      INTEGER NOT NULL,
    cache_hits       INTEGER NOT NULL CHECK (cache_hits >= 0),
    cache_misses     INTEGER NOT NULL CHECK (cache_misses >= 0),
    replays_answered INTEGER NOT NULL CHECK (replays_answered >= 0),
    replays_retried  INTEGER NOT NULL CHECK (replays_retried >= 0)
);

CREATE INDEX worker_reports_by_time ON worker_reports (received_at);

CREATE TRIGGER worker_reports_no_update BEFORE UPDATE ON worker_reports
BEGIN SELECT RAISE(ABORT, 'worker reports are kept as received'); END;
