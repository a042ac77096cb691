FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY actions ./actions
COPY flows ./flows
COPY locales ./locales
COPY babel.cfg ./
RUN pip install --no-cache-dir . \
 && python -m bot i18n compile \
 && python -m bot lint \
 && useradd --system --uid 10001 bot
USER bot
EXPOSE 8080
CMD ["python", "-m", "bot", "run"]
