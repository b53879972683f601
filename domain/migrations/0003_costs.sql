-- What the language models cost per document (reviews and answers), for status and stats.
ALTER TABLE documents ADD COLUMN cost_usd double precision NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN questions integer NOT NULL DEFAULT 0;
