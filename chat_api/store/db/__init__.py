"""The feedback and question-log database: schema, URLs and migrations (SQLite or PostgreSQL)."""
