FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY bulletin ./bulletin
COPY editorial ./editorial
RUN pip install --no-cache-dir .
COPY . .
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
