-- One hand-over: lock the receipt and its card, move both, record the hand-over, the status
-- event and two audit rows, commit. Receipts drawn at random from 1,000,000; a receipt drawn
-- twice is handed over again (the unique card index would refuse it: ON CONFLICT instead).
\set r random(1, 1000000)
BEGIN;
SELECT id, status FROM hb_receipt WHERE id = :r FOR UPDATE;
SELECT id, state FROM hb_card WHERE receipt_id = :r FOR UPDATE;
UPDATE hb_receipt SET status = 'collected', status_changed_at = now() WHERE id = :r;
UPDATE hb_card SET state = 'collected', collected_at = now() WHERE id = :r;
INSERT INTO hb_handover (receipt_id, card_id, kecamatan_id, clerk_id, handed_at, collected_by, identity_check, note)
  VALUES (:r, :r, :r % 10, 1, now(), 'resident', 'face', '') ON CONFLICT (card_id) DO NOTHING;
INSERT INTO hb_event (receipt_id, status, at, actor_id) VALUES (:r, 'collected', now(), 1);
INSERT INTO hb_auditlog (content_type, object_pk, action, changes, actor_id, timestamp)
  VALUES (12, :r::text, 1, '{"status": ["ready", "collected"]}', 1, now());
INSERT INTO hb_auditlog (content_type, object_pk, action, changes, actor_id, timestamp)
  VALUES (31, :r::text, 0, '{"collected_by": [null, "resident"]}', 1, now());
COMMIT;
