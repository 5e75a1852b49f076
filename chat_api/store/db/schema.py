"""The tables, as SQLAlchemy Core metadata: one definition for SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

questions = Table(
    "questions", metadata,
    Column("id", Integer, primary_key=True),
    Column("ts", Float, nullable=False),
    Column("source", String(16), nullable=False),
    Column("conversation_id", String(160), nullable=False),
    Column("turn", Integer, nullable=False),
    Column("question", Text, nullable=False),
    Column("answered", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("index_version", String(64), nullable=False),
    # Since revision 0003; NULL on older rows.
    Column("answer", Text),
    Column("cite_title", Text),
    Column("cite_section", Text),
    Column("cite_url", Text),
    Column("latency_ms", Float),
    Index("questions_unanswered", "answered", "question"),
    Index("questions_turn", "conversation_id", "turn"),
    Index("questions_ts", "ts"),
)

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True),
    Column("ts", Float, nullable=False),
    Column("source", String(16), nullable=False),
    Column("conversation_id", String(160), nullable=False),
    Column("turn", Integer, nullable=False),
    Column("helpful", Integer, nullable=False),
    Column("comment", Text),
    Column("voter", String(160), nullable=False, server_default=""),
)
