-- Slack uploads are recorded before their bytes are downloaded, so the content hash
-- arrives later (with DocumentConverted).
ALTER TABLE documents ALTER COLUMN sha256 DROP NOT NULL;
CREATE INDEX documents_thread ON documents (channel_id, thread_ts);
