"""Rebuilds the keras.io text-classification transformer (built-in MultiHeadAttention, one block) in PyTorch
from a Keras .h5, checks it against Keras's reference.npz, and exports it to ONNX with two outputs:
probabilities [B, classes] and attention [B, H, L, L]. For the ONNX Runtime comparison in `probe bench`
(see README, "Speed"); not part of the product.

    /usr/bin/python3 bench/compare-onnx/export_onnx.py testdata/fixtures/keras3/v1 target/keras-io.onnx
"""
import sys

import h5py
import numpy as np
import torch


def weights(h5_path):
    w = {}
    with h5py.File(h5_path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                w[name] = torch.tensor(np.asarray(obj), dtype=torch.float32)
        f["model_weights"].visititems(visit)
    return w


def find(w, suffix):
    hits = [k for k in w if k.endswith(suffix)]
    if len(hits) != 1:
        raise SystemExit(f"expected one weight ending in {suffix}, found {hits}")
    return w[hits[0]]


class KerasIoTransformer(torch.nn.Module):
    """token+position embedding -> MHA (post-norm block, eps 1e-6) -> FFN(relu) -> mean over L -> Dense(relu) -> Dense(softmax)."""

    def __init__(self, w):
        super().__init__()
        p = lambda t: torch.nn.Parameter(t, requires_grad=False)
        self.tok = p(find(w, "embedding/embeddings"))
        self.pos = p(find(w, "embedding_1/embeddings"))
        self.wq, self.bq = p(find(w, "query/kernel")), p(find(w, "query/bias"))      # (E, H, d), (H, d)
        self.wk, self.bk = p(find(w, "key/kernel")), p(find(w, "key/bias"))
        self.wv, self.bv = p(find(w, "value/kernel")), p(find(w, "value/bias"))
        self.wo, self.bo = p(find(w, "attention_output/kernel")), p(find(w, "attention_output/bias"))  # (H, d, E)
        self.w1, self.b1 = p(find(w, "sequential/dense/kernel")), p(find(w, "sequential/dense/bias"))
        self.w2, self.b2 = p(find(w, "sequential/dense_1/kernel")), p(find(w, "sequential/dense_1/bias"))
        self.g1, self.be1 = p(find(w, "layer_normalization/gamma")), p(find(w, "layer_normalization/beta"))
        self.g2, self.be2 = p(find(w, "layer_normalization_1/gamma")), p(find(w, "layer_normalization_1/beta"))
        self.wd, self.bd = p(find(w, "dense_2/kernel")), p(find(w, "dense_2/bias"))
        self.wc, self.bc = p(find(w, "dense_3/kernel")), p(find(w, "dense_3/bias"))

    @staticmethod
    def ln(x, g, b):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + 1e-6) * g + b

    def forward(self, ids):
        length = ids.shape[1]
        x = self.tok[ids] + self.pos[:length]                                   # [B, L, E]
        h, d = self.wq.shape[1], self.wq.shape[2]
        q = torch.einsum("ble,ehd->bhld", x, self.wq) + self.bq.unsqueeze(1)    # [B, H, L, d]
        k = torch.einsum("ble,ehd->bhld", x, self.wk) + self.bk.unsqueeze(1)
        v = torch.einsum("ble,ehd->bhld", x, self.wv) + self.bv.unsqueeze(1)
        attention = torch.softmax(torch.matmul(q / d ** 0.5, k.transpose(-1, -2)), dim=-1)  # [B, H, L, L]
        context = torch.matmul(attention, v)                                     # [B, H, L, d]
        a = torch.einsum("bhld,hde->ble", context, self.wo) + self.bo
        x1 = self.ln(x + a, self.g1, self.be1)
        f = torch.relu(x1 @ self.w1 + self.b1) @ self.w2 + self.b2
        x2 = self.ln(x1 + f, self.g2, self.be2)
        pooled = x2.mean(1)
        hidden = torch.relu(pooled @ self.wd + self.bd)
        return torch.softmax(hidden @ self.wc + self.bc, dim=-1), attention


def main(fixture, out):
    model = KerasIoTransformer(weights(f"{fixture}/model.h5")).eval()
    ref = np.load(f"{fixture}/reference.npz")
    with torch.no_grad():
        probs, attention = model(torch.tensor(ref["x"], dtype=torch.int64))
    dp = np.abs(probs.numpy() - ref["probs"]).max()
    da = np.abs(attention.numpy() - ref["block0_attention_weights"]).max()
    print(f"torch vs Keras reference: max |diff| probabilities {dp:.2e}, attention {da:.2e}")
    if dp > 1e-5 or da > 1e-5:
        raise SystemExit("the PyTorch rebuild does not match Keras; not exporting")
    ids = torch.tensor(ref["x"][:1], dtype=torch.int64)
    torch.onnx.export(model, (ids,), out, input_names=["tokens"], output_names=["probabilities", "attention"],
                      dynamic_axes={"tokens": {0: "batch"}, "probabilities": {0: "batch"}, "attention": {0: "batch"}},
                      opset_version=13)
    print(f"wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
