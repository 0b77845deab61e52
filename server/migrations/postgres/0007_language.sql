-- The language of each account's e-mails and SMS (issue 12): es (default), en or ht.
ALTER TABLE accounts ADD COLUMN language TEXT NOT NULL DEFAULT 'es';
