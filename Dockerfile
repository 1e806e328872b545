# Bookly API image: TypeScript compiled in a build stage; the runtime stage has production
# dependencies only and runs as the unprivileged `node` user.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
# Everything the build needs; .dockerignore keeps out tests, local data and secrets.
COPY . .
RUN npm run build

FROM node:24-slim
WORKDIR /app
# NODE_ENV=production: no .env is ever written, so without JWT_SECRET the container stops with one
# line instead of making up a secret. HOST 0.0.0.0: reachable from outside the container. The
# preload sizes libuv's thread pool for password hashing before Node's module loader first uses
# it, and settles process.nextTick (preload.cts).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/app/data \
    NODE_OPTIONS=--require=/app/dist/preload.cjs
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app /app/data
USER node
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
