# Build stage: install everything, compile TypeScript.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY test ./test
COPY protos ./protos
COPY bench ./bench
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# Runtime stage: the compiled engine and its production dependencies, run as a non-root user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/protos ./protos
RUN ln -s /app/dist/src/main.js /usr/local/bin/infergraph && chmod +x /app/dist/src/main.js
USER node
EXPOSE 8000 5001
ENTRYPOINT ["infergraph"]
