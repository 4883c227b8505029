# Peer Practice: the app with its offline engine and grader; no network needed at run time.
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

ENV PEER_CONTENT_DIR=/srv/peer-practice
EXPOSE 8000
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000"]
