# The service alone; the database is any PostGIS given by DATABASE_URL (see compose.yaml).
# Installs from the same project files as the Makefile: pyproject.toml pinned by requirements.lock.
# Leaflet and the other page assets come from the npm registry at build time, never a CDN at run time.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HAZARDMAP_ENVIRONMENT=production

WORKDIR /srv/hazardmap
RUN useradd --system --home-dir /srv/hazardmap hazardmap

# Installed in place (editable) so that it finds migrations/, geodata/ and map_templates/ beside app/,
# as in a checkout; the runtime dependencies only, at the versions pinned in requirements.lock.
COPY pyproject.toml requirements.lock README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY geodata ./geodata
COPY map_templates ./map_templates
RUN pip install --no-cache-dir -c requirements.lock -e .
# The printed wall map's font: Noto Sans CJK SC, converted once to TrueType outlines (app/posters/fonts.py).
ENV HAZARDMAP_POSTER_FONT=/usr/local/share/hazardmap/NotoSansCJKsc-Print.ttf
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk && rm -rf /var/lib/apt/lists/* \
    && python -c "from app.posters.fonts import font_path; font_path()"
COPY --from=assets /build/node_modules ./node_modules
# Uploads wait here for a job worker: a volume shared by the web and worker containers (compose.yaml).
RUN mkdir -p var/imports && chown hazardmap var/imports

USER hazardmap
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# The web service: migrate, load the shipped geodata the first time, then serve with WEB_WORKERS processes.
# The same image runs the job workers with the command `hazardmap worker` (compose.yaml's `worker`).
ENV WEB_WORKERS=2
CMD ["sh", "-c", "hazardmap migrate && hazardmap geodata load --if-empty && hazardmap users first-admin && exec uvicorn app.main:app --host 0.0.0.0 --port 8000 --workers \"$WEB_WORKERS\" --proxy-headers"]
