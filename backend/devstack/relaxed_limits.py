"""The API's abuse limits out of the way, for the throwaway stacks of the tests, the browser tests and the benchmarks.

Each of those is many guests from one address, or one user with many answers at once; the default limits
(app/core/config.py), fit for people, would refuse them within minutes and measure the limits instead of the
product. Every check still runs, it just passes: the limits themselves are tested on APIs of their own
(tests/api/test_rate_limits.py). The guest's daily token quota (GUEST_DAILY_TOKEN_QUOTA) is left as it is: these
stacks' answers stay far below it, and its check is part of every guest's send.
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
