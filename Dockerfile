# One image for the API and the worker (docker-compose.yml picks the command).
# /app stays root-owned, read-only to the `node` user the image runs as: the entrypoints run in
# production (APP_ENV, config/env.ts), where nothing is written into the project folder — no
# generated secrets, no embedded Postgres or Temporal (DATA_DIR is development's). The retrain's
# files go to the system temp folder, and so does tsx's compile cache.
FROM node:20.20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production APP_ENV=production
# The model retrain runs the Python trainer (models/training) with its pinned requirements.
COPY models/training/requirements.txt /tmp/trainer-requirements.txt
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/trainer \
 && /opt/trainer/bin/pip install --no-cache-dir -r /tmp/trainer-requirements.txt
# The trainer runs from /app/models/training: no bytecode written beside it.
ENV ML_PYTHON=/opt/trainer/bin/python PYTHONDONTWRITEBYTECODE=1
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
# The bundled model artefacts, cards and training code.
COPY models ./models
USER node
EXPOSE 3000 8888
CMD ["node", "--import", "tsx", "api/main.ts"]
