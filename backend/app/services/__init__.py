"""Application logic; routes and Celery tasks only translate to and from it."""
