# Peer Practice: the app with its offline engine and grader; no network needed at run time.
# Production by default: it refuses to start without PEER_SECRET_KEY (32 bytes or more), creates no demo
# accounts, and sends its cookies Secure with the __Host- prefix, so serve it behind TLS (see README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/peer-practice

COPY pyproject.toml README.md ./
COPY app ./app
COPY personas ./personas
COPY rubrics ./rubrics
COPY prompts ./prompts
COPY web ./web
RUN pip install -e . && useradd --create-home peer && mkdir -p data && chown peer data
USER peer

ENV PEER_CONTENT_DIR=/srv/peer-practice \
    PEER_ENVIRONMENT=production \
    PEER_DEMO_ACCOUNTS=false
EXPOSE 8000
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000"]
