-- Semantic IRs (one per file content) and the read models the documents projection keeps.
CREATE TABLE document_irs (
    sha256     text        PRIMARY KEY,
    ir         jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    id             uuid        PRIMARY KEY,
    filename       text        NOT NULL,
    title          text,
    media_type     text,
    size_bytes     bigint,
    sha256         text        NOT NULL,
    state          text        NOT NULL,
    file_versions  integer     NOT NULL DEFAULT 1,
    source         text        NOT NULL,
    team_id        text,
    channel_id     text,
    thread_ts      text,
    submitted_by   text,
    pages          integer,
    sections       integer,
    words          integer,
    analysis_id    uuid,
    providers      text[],
    score          double precision,
    reject_reason  text,
    reject_message text,
    submitted_at   timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

CREATE INDEX documents_filename ON documents (filename);
CREATE INDEX documents_channel ON documents (channel_id, updated_at DESC);

CREATE TABLE findings (
    document_id     uuid    NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    finding_id      text    NOT NULL,
    ordinal         integer NOT NULL,
    rule            text    NOT NULL,
    category        text    NOT NULL,
    severity        text    NOT NULL,
    title           text    NOT NULL,
    detail          text    NOT NULL,
    suggestion      text    NOT NULL,
    quote           text,
    section         text,
    page            integer,
    source          text    NOT NULL,
    status          text    NOT NULL DEFAULT 'open',
    decided_by      text,
    decided_at      timestamptz,
    decision_reason text,
    PRIMARY KEY (document_id, finding_id)
);
