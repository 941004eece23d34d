# Redis from Debian bookworm's redis-server (7.0; the app needs 7.0 or newer). The compose file passes the port.
ARG BASE_IMAGE=chat-base:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
    && apt-get install -y redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o redis -g redis /data
WORKDIR /data
USER redis
# No eviction (Redis is also the Celery broker; DEPLOYMENT.md, Redis), append-only file on: a restart loses nothing.
CMD ["redis-server", "--bind", "127.0.0.1", "--port", "6379", "--dir", "/data", "--appendonly", "yes", "--save", "", \
     "--maxmemory-policy", "noeviction"]
