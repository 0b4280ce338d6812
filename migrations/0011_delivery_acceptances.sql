-- The relay's acceptances, one row per digest, written the moment the relay
-- says 250: an append to a small table, one cheap commit each, instead of
-- marking the ledger row (and its sent papers) per email. A runner folds
-- them into the ledger a batch at a time; after a crash, recovery folds
-- what the dead runner left here before it hands its claims back, so a kill
-- resends only the messages that were in flight, never an accepted one.
CREATE TABLE delivery_acceptances (
  delivery_id INTEGER PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
  accepted_at TEXT    NOT NULL
);
