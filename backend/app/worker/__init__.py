"""The Celery worker: thin tasks over the generation service, run on one asyncio loop per process."""
