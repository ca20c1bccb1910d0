# One image for the API and the worker (docker-compose.yml picks the command).
FROM node:20.20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc ./
# Dev tools (tests, lint) stay out; tsx is a runtime dependency and runs the TypeScript sources.
RUN npm ci --omit=dev --no-audit --no-fund
COPY config ./config
COPY db ./db
COPY temporal ./temporal
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY api ./api
USER node
EXPOSE 3000 8888
CMD ["node", "--import", "tsx", "api/main.ts"]
