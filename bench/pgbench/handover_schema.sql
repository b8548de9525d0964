-- The write set of one counter hand-over (distribution.services.handover_record), on scratch
-- tables shaped like the real ones: for pgbench (bench/pgbench/README in docs/scaling.md).
DROP TABLE IF EXISTS hb_auditlog, hb_event, hb_handover, hb_card, hb_receipt;
CREATE TABLE hb_receipt (id bigint PRIMARY KEY, number text NOT NULL UNIQUE, status text NOT NULL,
  status_changed_at timestamptz NOT NULL, collection_kecamatan_id int NOT NULL);
CREATE TABLE hb_card (id bigint PRIMARY KEY, receipt_id bigint NOT NULL REFERENCES hb_receipt,
  serial text NOT NULL UNIQUE, state text NOT NULL, collected_at timestamptz);
CREATE INDEX ON hb_card (receipt_id);
CREATE TABLE hb_handover (id bigserial PRIMARY KEY, receipt_id bigint NOT NULL REFERENCES hb_receipt,
  card_id bigint NOT NULL REFERENCES hb_card, kecamatan_id int NOT NULL, clerk_id int NOT NULL,
  handed_at timestamptz NOT NULL, collected_by text NOT NULL, identity_check text NOT NULL, note text NOT NULL);
CREATE UNIQUE INDEX ON hb_handover (card_id);
CREATE INDEX ON hb_handover (kecamatan_id, handed_at);
CREATE TABLE hb_event (id bigserial PRIMARY KEY, receipt_id bigint NOT NULL REFERENCES hb_receipt,
  status text NOT NULL, at timestamptz NOT NULL, actor_id int);
CREATE INDEX ON hb_event (receipt_id, at);
CREATE TABLE hb_auditlog (id bigserial PRIMARY KEY, content_type int NOT NULL, object_pk text NOT NULL,
  action int NOT NULL, changes jsonb NOT NULL, actor_id int, timestamp timestamptz NOT NULL);
CREATE INDEX ON hb_auditlog (content_type, object_pk);
INSERT INTO hb_receipt SELECT i, 'BPN' || lpad(i::text, 10, '0'), 'ready', now(), i % 10 FROM generate_series(1, 1000000) i;
INSERT INTO hb_card SELECT i, i, 'S' || lpad(i::text, 12, '0'), 'ready', NULL FROM generate_series(1, 1000000) i;
VACUUM ANALYZE;
