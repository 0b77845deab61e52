-- Each flow's key (SHA-256 of a random value given only to whoever opened the flow): the flow id may travel
-- in an address (a reload, the kiosk's QR), the key must come with every request for the flow.
ALTER TABLE flows ADD COLUMN key_hash TEXT;
