"""A throwaway PostgreSQL database and Redis key prefix for a load test, removed on any exit."""

from __future__ import annotations

import secrets
import sys
from urllib.parse import urlsplit, urlunsplit


class SetupError(Exception):
    """Something the bench needs is missing or unreachable; no configuration was measured."""


class SharedState:
    """A throwaway PostgreSQL database and Redis key prefix, removed again on any exit."""

    def __init__(self, redis_url: str, postgres_url: str):
        try:
            import psycopg
            import redis
        except ImportError as exc:
            raise SetupError(f"configuration (b) needs {exc.name}: pip install 'psycopg[binary]'"
                             " redis") from None
        self.psycopg, self.redis_mod = psycopg, redis
        self.redis_url, self.postgres_url = redis_url, postgres_url
        tag = secrets.token_hex(4)
        self.prefix = f"govqa-bench-{tag}:"
        self.database = f"govqa_bench_{tag}"
        self.created = False
        self.redis_keys = 0
        self.tables: list[str] = []
        try:
            self.redis = redis.Redis.from_url(redis_url, socket_connect_timeout=3,
                                              socket_timeout=10)
            self.redis.ping()
        except redis.RedisError as exc:
            raise SetupError(f"Redis is not reachable at {redis_url}: {exc} (start it, or pass "
                             "--redis-url)") from None
        try:
            self.admin = psycopg.connect(postgres_url, autocommit=True, connect_timeout=5)
        except psycopg.Error as exc:
            raise SetupError(f"PostgreSQL is not reachable at {postgres_url}: "
                             f"{str(exc).strip()} (start it, or pass --postgres-url)") from None

    @property
    def database_url(self) -> str:
        return urlunsplit(urlsplit(self.postgres_url)._replace(path=f"/{self.database}"))

    def __enter__(self) -> SharedState:
        from psycopg import sql

        try:
            self.admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
        except self.psycopg.Error as exc:
            self.admin.close()
            raise SetupError(f"could not create database {self.database}: {exc}") from None
        self.created = True
        return self

    def env(self) -> dict[str, str]:
        return {"GOVQA_REDIS_URL": self.redis_url, "GOVQA_REDIS_PREFIX": self.prefix,
                "GOVQA_DATABASE_URL": self.database_url}

    def __exit__(self, *exc: object) -> None:
        from psycopg import sql

        # Each step on its own, so one failure still lets the others clean up.
        try:
            batch: list[bytes] = []
            for key in self.redis.scan_iter(match=self.prefix + "*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    self.redis_keys += int(self.redis.delete(*batch))
                    batch.clear()
            if batch:
                self.redis_keys += int(self.redis.delete(*batch))
        except self.redis_mod.RedisError as exc:
            print(f"warning: Redis keys {self.prefix}* not deleted: {exc}", file=sys.stderr)
        if self.created:
            try:
                with self.psycopg.connect(self.database_url, connect_timeout=5) as conn:
                    self.tables = [r[0] for r in conn.execute(
                        "SELECT table_name FROM information_schema.tables"
                        " WHERE table_schema = 'public' ORDER BY 1")]
            except self.psycopg.Error:
                pass
            try:
                # FORCE: a replica that was killed rather than stopped may hold a connection.
                self.admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self.database)))
            except self.psycopg.Error as exc:
                print(f"warning: database {self.database} not dropped: {exc}", file=sys.stderr)
        self.admin.close()
        self.redis.close()
