# PostgreSQL from Debian bookworm's postgresql (15). postgres-entrypoint.sh creates the cluster, the role and the
# database on first start (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB), in the volume at /var/lib/postgresql/data.
ARG BASE_IMAGE=chat-base:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
    && apt-get install -y postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data \
    && install -d -o postgres -g postgres /var/run/postgresql
COPY deploy/docker/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
USER postgres
ENTRYPOINT ["postgres-entrypoint"]
CMD ["postgres", "-c", "listen_addresses=127.0.0.1", "-p", "5432"]
