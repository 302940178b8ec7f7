# Bulletin: gunicorn + WhiteNoise in one image. See docker-compose.yml for nginx, PostgreSQL and Redis.
FROM python:3.11-slim-bookworm

# WeasyPrint needs Pango; Noto CJK are the Song/Hei faces of the PDF; libharfbuzz-subset0 lets
# WeasyPrint subset fonts with HarfBuzz (fontTools would be ~10x slower).
RUN apt-get update && apt-get install -y --no-install-recommends \
      fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    PRIVATE_ROOT=/data/private

WORKDIR /app
# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml ./
COPY bulletin ./bulletin
COPY common ./common
COPY config ./config
COPY desk ./desk
COPY office ./office
COPY editorial ./editorial
COPY reader ./reader
RUN pip install .
COPY manage.py gunicorn.conf.py ./
COPY templates ./templates
COPY locale ./locale
COPY static ./static

# Static files are collected (hashed, compressed) at build time: the running container never
# writes to /app. The key below exists only for this step; the real one comes from the env.
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

# Run as an unprivileged user; uploads, rendered PDFs and nginx's copy of the static files live
# on the /data volume.
RUN useradd --system --uid 1000 --home-dir /app bulletin \
    && mkdir -p /data/media /data/private /data/static \
    && chown -R bulletin:bulletin /data
USER bulletin
VOLUME ["/data"]

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -m config.healthcheck http://127.0.0.1:8000/healthz
# Migrations run at start; then gunicorn with gunicorn.conf.py (logs to stdout, jieba warmed).
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn config.wsgi:application --bind 0.0.0.0:8000"]
