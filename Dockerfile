# syntax=docker/dockerfile:1
# Two stages: dependencies (pinned in requirements.lock) are installed before the code is
# copied, so a code or content change rebuilds only the last layers. Runs as a non-root user.

FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements.lock ./
RUN python -m venv /venv && /venv/bin/pip install -r requirements.lock
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY actions ./actions
RUN /venv/bin/pip install --no-deps .
COPY flows ./flows
COPY locales ./locales
# compile the catalogs, check the content, and train the topic model once, into the image
RUN CONTENT_DIR=/src BOT_MODEL_CACHE=/src/.cache/models /venv/bin/python -m bot i18n compile \
 && CONTENT_DIR=/src BOT_MODEL_CACHE=/src/.cache/models /venv/bin/python -m bot lint \
 && CONTENT_DIR=/src BOT_MODEL_CACHE=/src/.cache/models /venv/bin/python -c \
    "from bot.dialog import load_engine; from pathlib import Path; load_engine(Path('flows'), Path('locales'))"

FROM python:3.11.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH \
    CONTENT_DIR=/app BOT_MODEL_CACHE=/app/.cache/models \
    METRICS_HOST=0.0.0.0
RUN useradd --system --uid 10001 --home-dir /app bot
COPY --from=build /venv /venv
COPY --from=build --chown=bot /src/flows /app/flows
COPY --from=build --chown=bot /src/locales /app/locales
COPY --from=build --chown=bot /src/.cache /app/.cache
WORKDIR /app
USER bot
# webhook server (WEBHOOK_PORT) or, in polling mode, the metrics/health server (METRICS_PORT,
# on METRICS_HOST=0.0.0.0 inside the container: keep it off the public network)
EXPOSE 8080 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os,sys,urllib.request; p=os.environ.get('WEBHOOK_PORT') if os.environ.get('WEBHOOK_URL') else os.environ.get('METRICS_PORT','9090'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{p or 8080}/healthz', timeout=4).status == 200 else 1)"
CMD ["python", "-m", "bot", "run"]
