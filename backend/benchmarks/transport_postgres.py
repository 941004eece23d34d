"""The PostgreSQL side of the transport benchmark: the chunk table and the statements both PostgreSQL
transports use, so that polling and LISTEN/NOTIFY differ only in how a reader learns of a new row."""

from typing import TypeAlias

import asyncpg

# Quoted: asyncpg's Pool is generic only in its type stubs, not at run time.
ChunkPool: TypeAlias = "asyncpg.Pool[asyncpg.Record]"

# `data` is the chunk's JSON as opaque bytes, relayed byte for byte as Redis relays it; `created_at_us`
# is the writer's wall clock just before the write, the same stamp EventStore puts on a Redis event.
CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS answer_chunks (
    answer_id text NOT NULL,
    seq integer NOT NULL,
    data bytea NOT NULL,
    created_at_us bigint NOT NULL,
    PRIMARY KEY (answer_id, seq)
)
"""
EMPTY_TABLE = "TRUNCATE answer_chunks"

INSERT_CHUNK = "INSERT INTO answer_chunks (answer_id, seq, data, created_at_us) VALUES ($1, $2, $3, $4)"

# One statement, so one round trip and one transaction: the notification is delivered at commit, when
# the row is already visible to the reader that fetches it. The payload is the sequence number.
NOTIFY_CHANNEL_PREFIX = "answer_"
INSERT_CHUNK_AND_NOTIFY = f"""
WITH chunk AS ({INSERT_CHUNK} RETURNING answer_id, seq)
SELECT pg_notify('{NOTIFY_CHANNEL_PREFIX}' || answer_id, seq::text) FROM chunk
"""

SELECT_CHUNKS_AFTER = """
SELECT seq, data, created_at_us FROM answer_chunks WHERE answer_id = $1 AND seq > $2 ORDER BY seq
"""


def notify_channel(answer_id: str) -> str:
    return NOTIFY_CHANNEL_PREFIX + answer_id


async def create_pool(url: str, application_name: str, size: int) -> ChunkPool:
    """A pool that opens connections as they are needed, up to `size`, as the Redis pools do."""
    return await asyncpg.create_pool(
        url, min_size=1, max_size=size, server_settings={"application_name": application_name}
    )
