# One image for web, worker and beat (docker-compose.yml).
FROM node:20-bookworm-slim AS frontend
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/bochum-strategie
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY core core
COPY outbox outbox
COPY governance governance
COPY workflow workflow
COPY notifications notifications
COPY config config
RUN pip install --no-cache-dir -c requirements.lock .
COPY . .
COPY --from=frontend /build/frontend/node_modules frontend/node_modules
RUN SECRET_KEY=collectstatic-only DEBUG=false python manage.py collectstatic --noinput \
    && useradd --system --home /app strategie && mkdir -p $VAR_DIR && chown strategie $VAR_DIR
USER strategie
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
