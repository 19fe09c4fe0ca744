# Production-like image for the web server and the Celery worker (same image, different command).
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never
WORKDIR /app
COPY requirements-bootstrap.lock requirements.lock ./
RUN python -m pip install --no-cache-dir --require-hashes -r requirements-bootstrap.lock \
 && uv pip sync --system --require-hashes requirements.lock
COPY . .
RUN PRODUCTION=true SECRET_KEY=build-only DATABASE_URL=postgres://build/build REDIS_URL=redis://build:6379/0 \
    python manage.py collectstatic --noinput -v 0
RUN useradd --system --uid 10001 app && chown -R app /app
USER app
EXPOSE 8000
# Workers and threads come from posthog_api/gunicorn_conf.py, shared with `make run`.
ENV WEB_CONCURRENCY=4
CMD ["gunicorn", "--config", "python:posthog_api.gunicorn_conf", "posthog_api.wsgi", "--bind", "0.0.0.0:8000"]
