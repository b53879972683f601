-- What the language models cost, a row per review or answer that used one, so App Home's
-- "this month" reads a range of small rows instead of every review's payload. Keyed by
-- the event's position: an event projected again (or backfilled below, then projected)
-- adds nothing.
CREATE TABLE ai_usage (
    position      bigint           PRIMARY KEY,
    document_id   uuid             NOT NULL,
    kind          text             NOT NULL,
    recorded_at   timestamptz      NOT NULL,
    input_tokens  bigint           NOT NULL,
    output_tokens bigint           NOT NULL,
    cost_usd      double precision NOT NULL
);

CREATE INDEX ai_usage_document ON ai_usage (document_id, recorded_at);

INSERT INTO ai_usage (position, document_id, kind, recorded_at, input_tokens, output_tokens,
                      cost_usd)
SELECT e.position, substr(e.stream_id, length('document-') + 1)::uuid,
       CASE e.type WHEN 'AnalysisCompleted' THEN 'review' ELSE 'answer' END,
       e.recorded_at,
       coalesce((e.data -> 'usage' ->> 'input_tokens')::bigint, 0),
       coalesce((e.data -> 'usage' ->> 'output_tokens')::bigint, 0),
       coalesce((e.data -> 'usage' ->> 'cost_usd')::double precision, 0)
FROM events e
WHERE e.stream_id LIKE 'document-%'
  AND e.type IN ('AnalysisCompleted', 'QuestionAnswered')
  AND (coalesce((e.data -> 'usage' ->> 'input_tokens')::bigint, 0) > 0
       OR coalesce((e.data -> 'usage' ->> 'output_tokens')::bigint, 0) > 0
       OR coalesce((e.data -> 'usage' ->> 'cost_usd')::double precision, 0) > 0)
ON CONFLICT (position) DO NOTHING;

-- Threads a document was chosen in (ThreadLinked): the latest link of a thread wins.
CREATE TABLE document_threads (
    channel_id  text        NOT NULL,
    thread_ts   text        NOT NULL,
    document_id uuid        NOT NULL,
    user_id     text        NOT NULL,
    position    bigint      NOT NULL,
    linked_at   timestamptz NOT NULL,
    PRIMARY KEY (channel_id, thread_ts)
);
