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

CREATE INDEX events_type_position ON events (type, position);

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

-- One round trip per append: the global lock is held only while the server works,
-- never across client round trips, which is what keeps serialized appends fast.
CREATE FUNCTION docsense_append(
    p_stream_id text,
    p_stream_type text,
    p_expected_version integer,
    p_event_ids uuid[],
    p_types text[],
    p_data jsonb[],
    p_metadata jsonb[]
) RETURNS TABLE (event_id uuid, "position" bigint, version integer, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_current integer;
BEGIN
    -- Serializes appenders so identity values are handed out in commit order.
    PERFORM pg_advisory_xact_lock(7311001);

    -- A retry of a stored batch: its first id is stored. Every query here is an index
    -- probe by key, so the cached generic plan stays cheap however large the log grows.
    IF EXISTS (SELECT 1 FROM events e WHERE e.event_id = p_event_ids[1]) THEN
        RETURN QUERY
            SELECT e.event_id, e.position, e.version, true
            FROM unnest(p_event_ids) AS i(id) JOIN events e ON e.event_id = i.id
            ORDER BY e.position;
        IF NOT FOUND OR (SELECT count(*) FROM unnest(p_event_ids) AS i(id)
                         JOIN events e ON e.event_id = i.id) <> cardinality(p_event_ids) THEN
            RAISE EXCEPTION USING ERRCODE = 'DS002',
                MESSAGE = 'some, not all, of the batch''s event ids are already stored';
        END IF;
        RETURN;
    END IF;

    SELECT coalesce(max(e.version), 0) INTO v_current FROM events e
    WHERE e.stream_id = p_stream_id;
    IF p_expected_version IS NOT NULL AND v_current <> p_expected_version THEN
        RAISE EXCEPTION USING ERRCODE = 'DS001',
            MESSAGE = format('stream %s is at version %s, expected %s',
                             p_stream_id, v_current, p_expected_version),
            DETAIL = v_current::text;
    END IF;

    -- Delivered at commit; listeners only need the wake-up, they read from their cursor.
    PERFORM pg_notify('docsense_events', '');

    -- A later id of the batch that is already stored fails the insert on the unique
    -- event_id constraint; the client reports it as a partial duplicate.
    RETURN QUERY
        INSERT INTO events AS e (stream_id, stream_type, version, event_id, type, data, metadata)
        SELECT p_stream_id, p_stream_type, v_current + x.n::integer, x.id, x.type, x.data, x.meta
        FROM unnest(p_event_ids, p_types, p_data, p_metadata)
             WITH ORDINALITY AS x(id, type, data, meta, n)
        ORDER BY x.n
        RETURNING e.event_id, e.position, e.version, false;
END;
$$;
