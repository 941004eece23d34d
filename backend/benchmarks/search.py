"""Latency of GET /conversations?q= (full-text search) on a user with 100,000 messages, and of the plain listing.

Starts a private Redis and PostgreSQL and one API process (no worker: nothing here needs an answer). Signs in one
guest through the API and loads, with COPY: for that guest CONVERSATIONS conversations of MESSAGES_PER_CONVERSATION
messages each, questions and answers in turn on one branch; for OTHER_USERS other users as many messages again, so
that the indexes hold other people's matches too. The text is generated from a vocabulary of topics with a Zipf
distribution of words (a seeded run: the same data every time), and a rare word and a phrase are planted in a few
messages. Then VACUUM ANALYZE, as autovacuum would have done by the time anyone searches.

Each kind of request (QUERIES, and the listing's first and a deep page) is warmed up, then sent --requests times one
at a time from one keep-alive connection; the client's wall time per request gives p50 and p99. One EXPLAIN
ANALYZE of each search's statement gives PostgreSQL's share. Writes docs/benchmarks/search.md.

Run: `make bench-search` (BENCH_ARGS="--requests 50" for a quick look).
"""

import argparse
import asyncio
import json
import platform
import random
import statistics
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from sqlalchemy.dialects import postgresql

from app.services.search import page_statement
from benchmarks.load import REPO_ROOT, code_version, machine_facts
from benchmarks.private_stack import private_stack
from benchmarks.proc_stats import load_average
from devstack.components import start_api
from devstack.ports import free_port

CONVERSATIONS = 1_000
MESSAGES_PER_CONVERSATION = 100
OTHER_USERS = 4
PAGE_SIZE = 50
WARM_UP_REQUESTS = 10
SEED = 20261202
REPORT = REPO_ROOT / "docs" / "benchmarks" / "search.md"

RARE_WORD = "quokka"
RARE_MESSAGES = 12
PHRASE = "machine learning"
# In this share of the programming messages; "machine" and "learning" are also common words on their own.
PHRASE_SHARE = 0.05

# What each kind of search looks for, and what it shows.
QUERIES = {
    "common word": "time",
    "topic word": "recipe",
    "two words": "garden tomatoes",
    "phrase": f'"{PHRASE}"',
    "rare word": RARE_WORD,
    "no match": "zyzzyva",
}

# Words every topic uses (stop words among them, which the index drops), then each topic's own.
GENERAL = (
    "the a to and of in is it you that for on with this be are was have not but can what do so if at my as your "
    "or all will just about from there like one would when they an more how get think make know good time some "
    "also need want use really way well much people thing first because work help try day new best other could "
    "right sure here see look great question answer thanks maybe different often usually problem idea example "
    "learning machine part point start keep long little each find number life kind place week year change world"
)
TOPICS = {
    "cooking": "recipe flour oven bake bread sourdough butter garlic onion pasta sauce tomatoes salt pepper olive "
    "oil dough yeast knead simmer roast chicken vegetables soup spices cumin basil cheese dinner kitchen pan",
    "gardening": "garden tomatoes soil compost seeds water plant roots sunlight prune leaves bloom roses shade "
    "mulch weeds harvest beans lettuce pots fertilizer spring frost greenhouse herbs worms raised beds season",
    "programming": "python function code bug test error database query index server deploy docker api request "
    "response cache thread async loop variable class module package compile debug commit branch merge model data",
    "travel": "trip flight hotel passport train city museum beach mountain hike map luggage visa airport tickets "
    "itinerary budget hostel tour guide island ferry border currency weather booking rental road",
    "health": "sleep exercise diet protein vitamins running stretch muscles doctor symptoms headache stress "
    "hydration calories walking yoga heart blood pressure recovery injury posture breathing routine energy",
    "finance": "budget savings invest stocks bonds interest rate loan mortgage taxes income expenses retirement "
    "credit debt inflation portfolio dividend bank account fees insurance salary spending emergency fund",
}


@dataclass(frozen=True)
class Vocabulary:
    """One topic's words after the general ones, drawn with Zipf weights (the k-th word is 1/k as likely)."""

    words: list[str]
    cumulative: list[float]

    @classmethod
    def of(cls, topic: str) -> "Vocabulary":
        words = [*GENERAL.split(), *TOPICS[topic].split()]
        # Shuffled once per topic, seeded: which words are frequent differs by topic, as in real text.
        random.Random(f"{SEED}:{topic}").shuffle(words)
        total, cumulative = 0.0, []
        for rank in range(1, len(words) + 1):
            total += 1 / rank
            cumulative.append(total)
        return cls(words, cumulative)

    def text(self, rng: random.Random, count: int) -> str:
        words = rng.choices(self.words, cum_weights=self.cumulative, k=count)
        sentences = [words[start : start + 12] for start in range(0, count, 12)]
        return " ".join(" ".join(sentence).capitalize() + "." for sentence in sentences)


VOCABULARIES = {topic: Vocabulary.of(topic) for topic in TOPICS}


def conversation_rows(
    rng: random.Random, user_id: uuid.UUID, count: int, now: datetime
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """Conversations of ``user_id``, each with its messages, as rows for COPY: the newest active a minute ago, the
    others up to a year before."""
    for n in range(count):
        topic = rng.choice(list(TOPICS))
        vocabulary = VOCABULARIES[topic]
        conversation_id = uuid.uuid4()
        started = now - timedelta(days=365 * (n + 1) / count, minutes=1)
        messages: list[tuple[Any, ...]] = []
        parent_id = None
        for turn in range(MESSAGES_PER_CONVERSATION):
            question = turn % 2 == 0
            content = vocabulary.text(rng, rng.randint(8, 40) if question else rng.randint(40, 220))
            if topic == "programming" and rng.random() < PHRASE_SHARE:
                content += f" Is {PHRASE} the answer here?"
            message_id = uuid.uuid4()
            at = started + timedelta(seconds=30 * turn)
            role, status = ("user", "completed") if question else ("assistant", "completed")
            messages.append((message_id, conversation_id, parent_id, role, content, "", status, at, at))
            parent_id = message_id
        title = vocabulary.text(rng, rng.randint(2, 5)).rstrip(".")
        updated = started + timedelta(seconds=30 * MESSAGES_PER_CONVERSATION)
        yield (conversation_id, user_id, title, parent_id, started, updated), messages


CONVERSATION_COLUMNS = ["id", "user_id", "title", "current_message_id", "created_at", "updated_at"]
MESSAGE_COLUMNS = ["id", "conversation_id", "parent_id", "role", "content", "reasoning", "status"]
MESSAGE_COLUMNS += ["created_at", "updated_at"]


async def load(database_url: str, user_id: uuid.UUID) -> dict[str, int]:
    """The guest's conversations and the other users', by COPY; the rare word planted in a few of the guest's
    messages; then VACUUM ANALYZE. Returns how many rows of each."""
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    connection = await asyncpg.connect(database_url)
    try:
        others = [uuid.uuid4() for _ in range(OTHER_USERS)]
        await connection.executemany(
            "INSERT INTO app_user (id, created_at) VALUES ($1, $2)", [(other, now) for other in others]
        )
        owners = [(user_id, CONVERSATIONS)] + [(other, CONVERSATIONS // OTHER_USERS) for other in others]
        for owner, count in owners:
            conversations, messages = [], []
            for conversation, its_messages in conversation_rows(rng, owner, count, now):
                conversations.append(conversation)
                messages += its_messages
            await connection.copy_records_to_table("conversation", records=conversations, columns=CONVERSATION_COLUMNS)
            await connection.copy_records_to_table("message", records=messages, columns=MESSAGE_COLUMNS)
        await connection.execute(
            f"""
            UPDATE message SET content = content || ' A {RARE_WORD} appeared.'
            WHERE id IN (SELECT message.id FROM message JOIN conversation ON conversation.id = conversation_id
                         WHERE user_id = $1 ORDER BY message.id LIMIT {RARE_MESSAGES})
            """,
            user_id,
        )
        await connection.execute("VACUUM ANALYZE")
        guests = "JOIN conversation ON conversation.id = message.conversation_id WHERE user_id = $1"
        totals: dict[str, int] = {
            "conversation": await connection.fetchval("SELECT count(*) FROM conversation"),
            "conversation, the guest's": await connection.fetchval(
                "SELECT count(*) FROM conversation WHERE user_id = $1", user_id
            ),
            "message": await connection.fetchval("SELECT count(*) FROM message"),
            "message, the guest's": await connection.fetchval(f"SELECT count(*) FROM message {guests}", user_id),
        }
        totals["database MB"] = await connection.fetchval("SELECT pg_database_size(current_database()) / 1000000")
        return totals
    finally:
        await connection.close()


# The other plan PostgreSQL may choose: the caller's conversations, then each one's messages by conversation_id,
# the words checked on each; it reads the caller's messages only, whoever else has matches (the GIN plan reads every
# user's matching messages, then keeps the caller's). Forced here to show what a search costs when other users'
# matches outnumber the caller's messages, where the planner takes it of itself.
OWN_MESSAGES_PLAN = ["enable_bitmapscan", "enable_seqscan", "enable_hashjoin", "enable_mergejoin"]


async def explain(
    database_url: str, user_id: uuid.UUID, params: dict[str, str], *, own_messages_plan: bool = False
) -> float:
    """PostgreSQL's execution time (ms) of a page of a search, by EXPLAIN ANALYZE of the API's statement."""
    statement, parameters = page_statement(user_id, params["q"], PAGE_SIZE, params.get("cursor"))
    compiled = statement.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[no-untyped-call]
    values = compiled.construct_params(parameters)
    arguments = [values[name] for name in compiled.positiontup or []]
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            for setting in OWN_MESSAGES_PLAN if own_messages_plan else []:
                await connection.execute(f"SET LOCAL {setting} = off")
            plan = await connection.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled.string}", *arguments)
        execution_ms: float = json.loads(plan)[0]["Execution Time"]
        return execution_ms
    finally:
        await connection.close()


async def measure(
    http: aiohttp.ClientSession, url: str, params: dict[str, str], requests: int
) -> tuple[list[float], dict[str, Any]]:
    """Wall times (ms) of ``requests`` GET /conversations with ``params``, one at a time, after a warm-up."""
    samples: list[float] = []
    body: dict[str, Any] = {}
    for index in range(WARM_UP_REQUESTS + requests):
        started = time.perf_counter()
        async with http.get(f"{url}/conversations", params=params) as response:
            data = await response.read()
            if response.status != 200:
                raise RuntimeError(f"GET /conversations {params}: HTTP {response.status}: {data[:300]!r}")
        if index >= WARM_UP_REQUESTS:
            samples.append((time.perf_counter() - started) * 1000)
        body = json.loads(data)
    return samples, body


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value that ``share`` of the values do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


async def run(url: str, database_url: str, requests: int) -> dict[str, Any]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        async with http.post(f"{url}/auth/guest") as response:
            token = (await response.json())["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        async with http.get(f"{url}/auth/me") as response:
            user_id = uuid.UUID((await response.json())["id"])
        print("loading the data (COPY, then VACUUM ANALYZE)", flush=True)
        started = time.monotonic()
        totals = await load(database_url, user_id)
        print(f"  {totals} in {time.monotonic() - started:.0f} s", flush=True)

        kinds: dict[str, dict[str, str]] = {name: {"q": q, "limit": str(PAGE_SIZE)} for name, q in QUERIES.items()}
        # The second page of the broadest search (every match is ranked again), and the listing, first and deep.
        cursor = await _cursor_after(http, url, {"q": QUERIES["common word"], "limit": str(PAGE_SIZE)}, pages=1)
        kinds["common word, 2nd page"] = {"q": QUERIES["common word"], "limit": str(PAGE_SIZE), "cursor": cursor}
        kinds["list, 1st page (no q)"] = {"limit": str(PAGE_SIZE)}
        deep = await _cursor_after(http, url, {"limit": "100"}, pages=9)
        kinds["list, after 900 conversations"] = {"limit": str(PAGE_SIZE), "cursor": deep}

        results: dict[str, Any] = {}
        for name, params in kinds.items():
            samples, body = await measure(http, url, params, requests)
            database_ms, own_plan_ms = None, None
            if "q" in params:
                database_ms = await explain(database_url, user_id, params)
                own_plan_ms = await explain(database_url, user_id, params, own_messages_plan=True)
            results[name] = {
                "params": params,
                "p50_ms": percentile(samples, 0.5),
                "p99_ms": percentile(samples, 0.99),
                "mean_ms": statistics.mean(samples),
                "max_ms": max(samples),
                "count": body["count"],
                "returned": len(body["data"]),
                "postgres_ms": database_ms,
                "postgres_own_messages_plan_ms": own_plan_ms,
            }
            print(
                f"  {name:32} p50 {results[name]['p50_ms']:7.1f} ms  p99 {results[name]['p99_ms']:7.1f} ms  "
                f"({body['count']} match, {len(body['data'])} returned)",
                flush=True,
            )
        return {"totals": totals, "kinds": results}


async def _cursor_after(http: aiohttp.ClientSession, url: str, params: dict[str, str], pages: int) -> str:
    cursor: str | None = None
    for _ in range(pages):
        async with http.get(f"{url}/conversations", params=params | ({"cursor": cursor} if cursor else {})) as page:
            cursor = (await page.json())["next_cursor"]
    assert cursor is not None
    return cursor


def report(results: dict[str, Any]) -> str:
    totals, machine = results["totals"], results["machine"]
    rows = [
        "| Request | q | count | p50 | p99 | PostgreSQL, its plan | PostgreSQL, own-messages plan |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, figures in results["kinds"].items():
        q = figures["params"].get("q")
        shown_q = f"`{q}`" if q else ""
        database, own_plan = (
            f"{figures[key]:.1f} ms" if figures[key] is not None else ""
            for key in ("postgres_ms", "postgres_own_messages_plan_ms")
        )
        rows.append(
            f"| {name} | {shown_q} | {figures['count']:,} | {figures['p50_ms']:.1f} ms | {figures['p99_ms']:.1f} ms "
            f"| {database} | {own_plan} |"
        )
    table = "\n".join(rows)
    load_before, load_after = results["load_average"]["before"], results["load_average"]["after"]
    return _wrapped(f"""# Search latency

Produced by `{results["command"]}` (`make bench-search`, `backend/benchmarks/search.py`) on {results["date"]}, at
commit {results["code_version"]}. The machine: {machine["cpu"]}, {machine["memory"]}, Linux {machine["kernel"]},
Python {machine["python"]}, PostgreSQL {machine["postgresql"]}, **shared with other work** (load average
{load_before[0]:.1f} before, {load_after[0]:.1f} after): figures are noisy, p99 most of all.

What one run does: a private PostgreSQL and Redis and one API process (uvicorn, access log off). One guest, signed
in through the API, gets {totals["conversation, the guest's"]:,} conversations holding
{totals["message, the guest's"]:,} messages ({MESSAGES_PER_CONVERSATION} each, questions of 8 to 40 words and answers
of 40 to 220, on one branch); {OTHER_USERS} other users get {totals["message"] - totals["message, the guest's"]:,}
messages more, so that the GIN indexes hold other people's matches too ({totals["message"]:,} messages,
{totals["conversation"]:,} conversations, {totals["database MB"]:,} MB of database in all). The text is generated
from six topics' words and common words with Zipf weights (seeded: the same data each run); "{RARE_WORD}" is planted
in {RARE_MESSAGES} of the guest's messages, the phrase "{PHRASE}" in about {PHRASE_SHARE:.0%} of the programming
messages. Loaded by COPY, then VACUUM ANALYZE. Each request below is sent {results["requests"]} times, one at a time
on one keep-alive connection, after {WARM_UP_REQUESTS} to warm up; p50 and p99 are of the client's wall time
(nearest rank). Pages are of {PAGE_SIZE}. The last two columns are one EXPLAIN ANALYZE each of the API's own
statement for that page: with the plan PostgreSQL chose, and with the plan that reads the caller's messages only (the
caller's conversations, then each one's messages by `ix_message_conversation_id`; forced here by switching off
bitmap scans, sequential scans, hash and merge joins).

{table}

How to read it: a search ranks every matching conversation, each by its best match (`ts_rank` of every matching
message), since the order needs all of them, and builds the snippets (`ts_headline`) of the page's rows only. Its
cost is reading the matching messages' rows (their vectors, for the rank): it grows with how many match, and a later
page costs what the first does. `count` is how many conversations match (for the listing, how many there are).
Messages have no user id, so the GIN plan finds every user's matching messages and then keeps the caller's: its cost
grows with the whole deployment's matches, while the other plan's (last column) depends on the caller's own messages
only. PostgreSQL picks between them by their estimates, per query; that it moves to the second as other users' data
grows is what its estimates imply, not something this run measures (the column forces that plan on this data). A
user id on each message with a two-column GIN index (`btree_gin`) would bound a search by the caller's matches
alone, if common words over large deployments ever need it. The listing reads
`ix_conversation_user_recent` from the cursor on: the same cost on every page. Data and
code: `backend/benchmarks/search.py`; every figure of this run: `--json PATH`.
""")


def _wrapped(markdown: str) -> str:
    """The prose paragraphs refilled to the repository's width (the figures put in change their lines' lengths);
    headings and tables as they are."""
    paragraphs = markdown.strip().split("\n\n")
    kept = (
        paragraph if paragraph.startswith(("#", "|")) else textwrap.fill(" ".join(paragraph.split()), width=118)
        for paragraph in paragraphs
    )
    return "\n\n".join(kept) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="per kind of request (default: %(default)s)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every figure to this JSON file")
    parser.add_argument("--no-report", action="store_true", help=f"do not write {REPORT.relative_to(REPO_ROOT)}")
    args = parser.parse_args()
    version, started, load_before = code_version(), time.monotonic(), load_average()
    with private_stack("bench-search-") as stack:
        supervisor, env = stack.supervisor, stack.env
        url = start_api(supervisor, env, free_port(), access_log=False)
        measured = asyncio.run(run(url, stack.postgres_url, args.requests))
    results = {
        "code_version": version,
        "machine": machine_facts(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": " ".join(["python -m benchmarks.search", *sys.argv[1:]]),
        "python": platform.python_version(),
        "requests": args.requests,
        "load_average": {"before": load_before, "after": load_average()},
        "wall_s": round(time.monotonic() - started),
        **measured,
    }
    if not args.no_report:
        REPORT.write_text(report(results))
        print(f"wrote {REPORT}")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
