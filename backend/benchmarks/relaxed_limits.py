"""The API's abuse limits out of the way, for the stacks the benchmarks start.

A benchmark is many guests from one address (a load level of 2,000 users), or one user with many answers at once
(the viewer benchmark's 20); the default limits (app/core/config.py) would refuse them, and would measure the
limits instead of the product. The limits' own cost stays in every figure: each check still runs, it just passes.
A guest's daily token quota (GUEST_DAILY_TOKEN_QUOTA) stays as it is: the benchmarks' answers are far below it, and
its check is part of every guest's send.
"""

RELAXED_LIMITS = {
    "RATE_LIMIT_SENDS_PER_USER": "1000000/minute",
    "RATE_LIMIT_SENDS_PER_GUEST": "1000000/minute",
    "RATE_LIMIT_SENDS_PER_IP": "1000000/minute",
    "RATE_LIMIT_LOGINS_PER_ACCOUNT": "1000000/minute",
    "RATE_LIMIT_LOGINS_PER_IP": "1000000/minute",
    "RATE_LIMIT_REGISTRATIONS_PER_IP": "1000000/minute",
    "RATE_LIMIT_GUESTS_PER_IP": "1000000/minute",
    "MAX_ANSWERS_AT_ONCE_PER_USER": "1000000",
    "MAX_ANSWERS_AT_ONCE_PER_GUEST": "1000000",
}
