-- A registration's e-mail is confirmed by a link sent to it; an e-mail proved by a code (update §5, recovery
-- "No") is confirmed then. Accounts from before this change keep working as they did: their address has been
-- in use (and, for imported ones, in the earlier system) for as long as they exist.
ALTER TABLE accounts ADD COLUMN email_confirmed_at BIGINT;
UPDATE accounts SET email_confirmed_at = created_at;
-- `account_links.purpose` gains `confirm_email`, whose `event` holds the address being confirmed.
