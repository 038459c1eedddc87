"""The explanations anchor: what a Python user runs to explain reviews of the keras.io model with PyTorch autograd,
the same work as `probe --explain` (integrated gradients with 50 steps, all 51 path points in one batch, from the
all-padding baseline; gradient x attention; attention rollout), one review after another, on one thread.
Timed whole by compare.sh.

    /usr/bin/python3 bench/compare-onnx/anchor_explain.py MODEL_DIR N
"""
import sys

import numpy as np
import torch

from export_onnx import KerasIoTransformer, weights


def split_forward(model, ids):
    """The embedding output e [B, L, E] and a function from e to (probabilities, attention)."""
    length = ids.shape[1]
    e = model.tok[ids] + model.pos[:length]

    def rest(x):
        h, d = model.wq.shape[1], model.wq.shape[2]
        q = torch.einsum("ble,ehd->bhld", x, model.wq) + model.bq.unsqueeze(1)
        k = torch.einsum("ble,ehd->bhld", x, model.wk) + model.bk.unsqueeze(1)
        v = torch.einsum("ble,ehd->bhld", x, model.wv) + model.bv.unsqueeze(1)
        attention = torch.softmax(torch.matmul(q / d ** 0.5, k.transpose(-1, -2)), dim=-1)
        context = torch.matmul(attention, v)
        a = torch.einsum("bhld,hde->ble", context, model.wo) + model.bo
        x1 = model.ln(x + a, model.g1, model.be1)
        f = torch.relu(x1 @ model.w1 + model.b1) @ model.w2 + model.b2
        x2 = model.ln(x1 + f, model.g2, model.be2)
        hidden = torch.relu(x2.mean(1) @ model.wd + model.bd)
        return torch.softmax(hidden @ model.wc + model.bc, dim=-1), attention

    return e, rest


def explain(model, ids, steps=50):
    e, rest = split_forward(model, ids)                                   # [1, L, E]
    pads, _ = split_forward(model, torch.zeros_like(ids))
    # gradient x attention at the input, for the predicted class
    x = e.detach().requires_grad_(True)
    probs, attention = rest(x)
    attention.retain_grad()
    cls = int(probs[0].argmax())
    probs[0, cls].backward()
    grad_attention = (attention.grad * attention).clamp(min=0).mean(1)[0]  # [L, L]
    # attention rollout
    a = attention.detach()[0].mean(0) + torch.eye(ids.shape[1])
    a = a / a.sum(-1, keepdim=True)
    rollout = a.sum(0)
    # integrated gradients: every path point in one batch, trapezoidal weights
    alphas = torch.linspace(0, 1, steps + 1).view(-1, 1, 1)
    path = (pads.detach() + alphas * (e.detach() - pads.detach())).requires_grad_(True)
    p, _ = rest(path)
    p[:, cls].sum().backward()
    w = torch.full((steps + 1, 1, 1), 1.0 / steps)
    w[0] = w[-1] = 0.5 / steps
    ig = ((e.detach() - pads.detach()) * (path.grad * w).sum(0, keepdim=True)).sum(-1)[0]   # [L]
    return cls, ig, grad_attention, rollout


def main(model_dir, n):
    torch.set_num_threads(1)
    model = KerasIoTransformer(weights(f"{model_dir}/model.h5")).eval()
    reviews = np.load(f"{model_dir}/reviews.npy")
    total = 0.0
    for i in range(n):
        cls, ig, _, _ = explain(model, torch.tensor(reviews[i:i + 1], dtype=torch.int64))
        total += float(ig.sum())
    print(f"explained {n} reviews; sum of integrated gradients {total:.6f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], int(sys.argv[2]))
