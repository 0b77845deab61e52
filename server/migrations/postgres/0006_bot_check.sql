-- The bot check (issue 12): every captcha row now holds an ALTCHA proof of work, and the image's letters only
-- when risk rose (`answer` empty otherwise).
ALTER TABLE captchas ADD COLUMN pow_challenge TEXT NOT NULL DEFAULT '';
