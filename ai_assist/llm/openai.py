"""
Any OpenAI-compatible chat completions endpoint: OpenAI, vLLM, Ollama...

Options under ``AI_ASSIST["GENERATORS"][alias]``:

- ``BASE_URL``: the API root, e.g. ``https://api.openai.com/v1`` or
  ``http://127.0.0.1:11434/v1`` for Ollama;
- ``MODEL``: the model name the server knows;
- ``API_KEY_ENV``: the name of the environment variable holding the key
  (the key itself never goes into settings or logs); servers that need no
  key (a local vLLM or Ollama) leave the variable unset;
- ``TIMEOUT``: seconds to wait for the server to answer (and between
  streamed chunks); ``CONNECT_TIMEOUT``: seconds to connect (default 5);
- ``MAX_RETRIES``: extra attempts after a connection error, a timeout, a
  429 or a 5xx answer, with exponential backoff from ``BACKOFF`` seconds;
  a reply that already started streaming is never retried, so a shopper
  never sees text twice;
- ``TEMPERATURE`` (default 0.2) and ``MAX_NEW_TOKENS``.
"""

import json
import logging
import os
import time

import requests

from .base import Generator, GeneratorError, StopGeneration

logger = logging.getLogger(__name__)

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class _Retryable(Exception):
    """A failure worth another attempt (the reason is safe to log)."""


class OpenAIGenerator(Generator):
    """Chat completions over HTTP, streamed with server-sent events."""

    context_tokens = 8192

    def __init__(self, alias="", options=None):
        super().__init__(alias, options)
        self.session = requests.Session()

    # --- Settings --------------------------------------------------------

    @property
    def url(self):
        base = self.options.get("BASE_URL", "https://api.openai.com/v1")
        return base.rstrip("/") + "/chat/completions"

    @property
    def timeout(self):
        connect = float(self.options.get("CONNECT_TIMEOUT", 5))
        return (connect, float(self.options.get("TIMEOUT", 20)))

    def headers(self):
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.options.get("API_KEY_ENV") or "", "")
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    # --- Generating ------------------------------------------------------

    def generate(self, messages, *, max_new_tokens=None, on_token=None):
        payload = {
            "model": self.options.get("MODEL", ""),
            "messages": list(messages),
            "max_tokens": max_new_tokens or self.max_new_tokens,
            "temperature": float(self.options.get("TEMPERATURE", 0.2)),
            "stream": on_token is not None,
        }
        retries = int(self.options.get("MAX_RETRIES", 2))
        backoff = float(self.options.get("BACKOFF", 0.5))
        for attempt in range(retries + 1):
            started = {"streaming": False}
            try:
                return self._request(payload, on_token, started)
            except _Retryable as exc:
                if started["streaming"] or attempt == retries:
                    raise GeneratorError(
                        f"generator {self.name}: gave up after {attempt + 1} "
                        f"attempt(s): {exc}"
                    ) from None
                delay = backoff * (2**attempt)
                logger.warning(
                    "generator %s: attempt %d failed (%s), retrying in %.1f s",
                    self.name,
                    attempt + 1,
                    exc,
                    delay,
                )
                time.sleep(delay)
        raise GeneratorError(f"generator {self.name}: no attempt was made")

    def _request(self, payload, on_token, started):
        try:
            response = self.session.post(
                self.url,
                json=payload,
                headers=self.headers(),
                timeout=self.timeout,
                stream=payload["stream"],
            )
        except requests.Timeout:
            raise _Retryable("timed out") from None
        except requests.ConnectionError:
            raise _Retryable("connection failed") from None

        with response:
            if response.status_code in RETRY_STATUS:
                raise _Retryable(f"HTTP {response.status_code}")
            if response.status_code >= 400:
                raise GeneratorError(
                    f"generator {self.name}: HTTP {response.status_code}"
                )
            if not payload["stream"]:
                return self._message_text(response)
            return self._read_stream(response, on_token, started)

    def _message_text(self, response):
        try:
            return response.json()["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise GeneratorError(
                f"generator {self.name}: unexpected response body"
            ) from None

    def _read_stream(self, response, on_token, started):
        """Read ``data:`` lines until ``[DONE]``, passing each delta on."""
        pieces = []
        try:
            for line in response.iter_lines(decode_unicode=True):
                if not line or not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                piece = _delta(data)
                if piece:
                    started["streaming"] = True
                    pieces.append(piece)
                    on_token(piece)
        except StopGeneration:
            pass
        except (requests.Timeout, requests.ConnectionError):
            raise _Retryable("stream interrupted") from None
        return "".join(pieces)


def _delta(data):
    """The text of one streamed chunk, or '' for chunks without text."""
    try:
        choice = json.loads(data)["choices"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return ""
    return (choice.get("delta") or {}).get("content") or ""
