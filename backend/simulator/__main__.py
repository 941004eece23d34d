"""Runs the simulator as a uvicorn server: `python -m simulator --port 8090 --tokens 200`; see `--help`."""

import argparse
import logging
import os
from collections.abc import Sequence

import uvicorn

from simulator.app import create_app
from simulator.interruptions import without_deliberate_cuts
from simulator.profile import SimulationProfile, non_negative_number, token_count

# What the real API keeps a background response's stream for.
_BACKGROUND_RETENTION_SECONDS = 600.0
_MAX_BACKGROUND_RESPONSES = 10_000

# Thousands of clients may connect at once in benchmarks; the kernel's default accept queue would refuse some.
_LISTEN_BACKLOG = 4096


def _from_env(name: str, default: object) -> str:
    # argparse runs string defaults through `type` as well, so a malformed variable is reported like a malformed flag.
    return os.environ.get(name, str(default))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    defaults = SimulationProfile()
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="An OpenAI-compatible LLM simulator. Each flag defaults to its SIM_* environment variable.",
    )
    parser.add_argument("--host", default=_from_env("SIM_HOST", "127.0.0.1"), help="interface to listen on ($SIM_HOST)")
    parser.add_argument("--port", type=int, default=_from_env("SIM_PORT", 8090), help="port to listen on ($SIM_PORT)")
    parser.add_argument(
        "--tokens",
        type=token_count,
        default=_from_env("SIM_TOKENS", defaults.tokens),
        help="answer length in tokens, one streamed delta each ($SIM_TOKENS)",
    )
    parser.add_argument(
        "--tokens-per-second",
        type=non_negative_number,
        default=_from_env("SIM_TOKENS_PER_SECOND", defaults.tokens_per_second),
        help="streaming rate; 0 sends every token at once, skipping the time to first token too "
        "($SIM_TOKENS_PER_SECOND)",
    )
    parser.add_argument(
        "--ttft-ms",
        type=non_negative_number,
        default=_from_env("SIM_TTFT_MS", defaults.ttft_ms),
        help="time to first token in milliseconds ($SIM_TTFT_MS)",
    )
    parser.add_argument(
        "--reasoning-tokens",
        type=token_count,
        default=_from_env("SIM_REASONING_TOKENS", defaults.reasoning_tokens),
        help="reasoning summary length in tokens, for requests that ask for a summary ($SIM_REASONING_TOKENS)",
    )
    parser.add_argument(
        "--background-retention-seconds",
        type=non_negative_number,
        default=_from_env("SIM_BACKGROUND_RETENTION_SECONDS", _BACKGROUND_RETENTION_SECONDS),
        help="how long a finished background response can still be retrieved ($SIM_BACKGROUND_RETENTION_SECONDS)",
    )
    parser.add_argument(
        "--max-background-responses",
        type=positive_count,
        default=_from_env("SIM_MAX_BACKGROUND_RESPONSES", _MAX_BACKGROUND_RESPONSES),
        help="how many background responses are kept at most, running or finished; past it the oldest finished "
        "one is forgotten ($SIM_MAX_BACKGROUND_RESPONSES)",
    )
    return parser.parse_args(argv)


def positive_count(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValueError(f"expected a whole number of at least 1, got {raw!r}")
    return int(raw)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    profile = SimulationProfile(
        tokens=args.tokens,
        tokens_per_second=args.tokens_per_second,
        ttft_ms=args.ttft_ms,
        reasoning_tokens=args.reasoning_tokens,
    )
    logging.getLogger("uvicorn.error").addFilter(without_deliberate_cuts)
    uvicorn.run(
        create_app(
            profile,
            background_retention_seconds=args.background_retention_seconds,
            max_background_responses=args.max_background_responses,
        ),
        host=args.host,
        port=args.port,
        backlog=_LISTEN_BACKLOG,
        access_log=False,
        log_level="warning",
        server_header=False,
    )


if __name__ == "__main__":
    main()
