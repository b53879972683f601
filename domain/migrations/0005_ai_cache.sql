-- What prompt caching did for each review or answer: tokens read from and written to the
-- provider's cache, and the USD it saved against sending everything uncached (negative when
-- writes were never read back), for the cache hit rate and savings in `docsense status`.
-- Rows projected before this migration are backfilled from their events; events recorded
-- before the saving was recorded count it as 0.
ALTER TABLE ai_usage ADD COLUMN cache_read_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE ai_usage ADD COLUMN cache_write_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE ai_usage ADD COLUMN cache_saved_usd double precision NOT NULL DEFAULT 0;

UPDATE ai_usage u
SET cache_read_tokens = coalesce((e.data -> 'usage' ->> 'cache_read_tokens')::bigint, 0),
    cache_write_tokens = coalesce((e.data -> 'usage' ->> 'cache_write_tokens')::bigint, 0),
    cache_saved_usd = coalesce((e.data -> 'usage' ->> 'cache_saved_usd')::double precision, 0)
FROM events e
WHERE e.position = u.position;
