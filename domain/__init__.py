"""DocSense's knowledge of documents, reviews and their history (no Slack, no SQL)."""
