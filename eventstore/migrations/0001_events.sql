-- The append-only event log, snapshots and projection checkpoints.
CREATE TABLE events (
    position    bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    stream_id   text        NOT NULL,
    stream_type text        NOT NULL,
    version     integer     NOT NULL CHECK (version > 0),
    event_id    uuid        NOT NULL UNIQUE,
    type        text        NOT NULL,
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream_id, version)
);

CREATE TABLE snapshots (
    stream_id text        PRIMARY KEY,
    version   integer     NOT NULL,
    state     jsonb       NOT NULL,
    taken_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE checkpoints (
    name       text        PRIMARY KEY,
    position   bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One round trip appends one or more requests (possibly to different streams), so
-- concurrent appenders share one lock hold and one WAL flush (group commit). The global
-- lock is held only while the server works, never across client round trips.
-- Each request gets rows with a status: appended, replayed (all its ids were stored:
-- an idempotent retry), conflict (version = the stream's actual version) or partial
-- (some, not all, of its ids were stored). Data and metadata arrive as one JSON array
-- each: one encode on the client and one parse on the server per call.
CREATE FUNCTION docsense_append(
    p_stream_ids text[],
    p_stream_types text[],
    p_expected integer[],
    p_sizes integer[],
    p_event_ids uuid[],
    p_types text[],
    p_data jsonb,
    p_metadata jsonb
) RETURNS TABLE (request integer, event_id uuid, "position" bigint, version integer, status text)
LANGUAGE plpgsql AS $$
DECLARE
    v_from integer := 1;
    v_to integer;
    v_ids uuid[];
    v_current integer;
BEGIN
    -- Serializes appenders so identity values are handed out in commit order.
    PERFORM pg_advisory_xact_lock(7311001);
    -- Delivered at commit; listeners only need the wake-up, they read from their cursor.
    PERFORM pg_notify('docsense_events', '');

    FOR i IN 1 .. cardinality(p_stream_ids) LOOP
        v_to := v_from + p_sizes[i] - 1;
        v_ids := p_event_ids[v_from:v_to];
        -- Every query is an index probe by key, so the cached generic plan stays cheap
        -- however large the log grows.
        IF EXISTS (SELECT 1 FROM events e WHERE e.event_id = v_ids[1]) THEN
            IF (SELECT count(*) FROM unnest(v_ids) AS x(id) JOIN events e ON e.event_id = x.id)
               = cardinality(v_ids) THEN
                RETURN QUERY
                    SELECT i, e.event_id, e.position, e.version, 'replayed'
                    FROM unnest(v_ids) AS x(id) JOIN events e ON e.event_id = x.id
                    ORDER BY e.position;
            ELSE
                RETURN QUERY SELECT i, NULL::uuid, NULL::bigint, NULL::integer, 'partial';
            END IF;
        ELSE
            SELECT coalesce(max(e.version), 0) INTO v_current FROM events e
            WHERE e.stream_id = p_stream_ids[i];
            IF p_expected[i] IS NOT NULL AND v_current <> p_expected[i] THEN
                RETURN QUERY SELECT i, NULL::uuid, NULL::bigint, v_current, 'conflict';
            ELSE
                -- A later id that is already stored fails on the unique event_id constraint;
                -- the client then reports the request as a partial duplicate.
                RETURN QUERY
                    INSERT INTO events AS e
                        (stream_id, stream_type, version, event_id, type, data, metadata)
                    SELECT p_stream_ids[i], p_stream_types[i], v_current + x.n::integer,
                           x.id, x.type, p_data -> (v_from + x.n::integer - 2),
                           p_metadata -> (v_from + x.n::integer - 2)
                    FROM unnest(v_ids, p_types[v_from:v_to]) WITH ORDINALITY AS x(id, type, n)
                    ORDER BY x.n
                    RETURNING i, e.event_id, e.position, e.version, 'appended';
            END IF;
        END IF;
        v_from := v_to + 1;
    END LOOP;
END;
$$;
