"""The PyTorch side of benches/compare.py: the same training as benches/steps.rs.

20-dim correlated Gaussian (x ~ N(0, I), y = rho x + sqrt(1 - rho^2) eps, 4 nats), InfoNCE,
Adam at lr 5e-4, a fresh batch every step, a held-out estimate at the training batch size every
10 steps (as mica's trace); PyTorch's default nn.Linear initialisation, as mica's. Critics:
`separable` one shared MLP 20-256-256-32, scores g(y) g(x)^T; `concat` MLP 40-256-256-1 on all
K^2 pairs with the first layer factorised (W_x x_j + W_y y_i + b, as mica computes it);
`bmi` bmi's default concat critic 16-8-1 on a 1-dim Gaussian with 0.5 nats.

    python benches/torch_steps.py CRITIC BATCH STEPS [WARMUP]

prints one JSON line. One thread (torch.set_num_threads(1)), as mica trains each job.
"""
import json
import math
import sys
import time

import torch

torch.set_num_threads(1)


def mlp(widths):
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i + 2 < len(widths):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


class Separable(torch.nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.g = mlp([dim, 256, 256, 32])

    def forward(self, x, y):
        return self.g(y) @ self.g(x).T  # rows y_i, columns x_j


class Concat(torch.nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        widths = [2 * dim] + hidden + [1]
        self.first = torch.nn.Linear(widths[0], widths[1])
        self.rest = mlp(widths[1:])
        self.dim = dim

    def forward(self, x, y):
        w = self.first.weight
        a = x @ w[:, : self.dim].T  # K x H, by column j
        b = y @ w[:, self.dim :].T  # K x H, by row i
        h = b[:, None, :] + a[None, :, :] + self.first.bias
        k = x.shape[0]
        h = torch.relu(h).reshape(k * k, -1)
        return self.rest(h).reshape(k, k)


def infonce(scores):
    k = scores.shape[0]
    return (scores.diagonal() - torch.logsumexp(scores, dim=1)).mean() + math.log(k)


def peak():
    n = 2048
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    start = time.perf_counter()
    for _ in range(5):
        a @ b
    s = time.perf_counter() - start
    print(json.dumps({"side": "pytorch", "peak_gflop_per_s": round(2 * n**3 * 5 / s / 1e9, 2)}))


def main():
    if sys.argv[1] == "peak":
        return peak()
    critic, batch, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    warmup = int(sys.argv[4]) if len(sys.argv) > 4 else steps // 10
    dim, mi = (1, 0.5) if critic == "bmi" else (20, 4.0)
    rho = math.sqrt(1 - math.exp(-2 * mi / dim))
    torch.manual_seed(0)

    def sample(k):
        x = torch.randn(k, dim)
        return x, rho * x + math.sqrt(1 - rho * rho) * torch.randn(k, dim)

    def train(n):
        model = {
            "separable": lambda: Separable(dim),
            "concat": lambda: Concat(dim, [256, 256]),
            "bmi": lambda: Concat(dim, [16, 8]),
        }[critic]()
        opt = torch.optim.Adam(model.parameters(), lr=5e-4)
        last = float("nan")
        for step in range(n):
            x, y = sample(batch)
            loss = -infonce(model(x, y))
            if step % 10 == 0 or step + 1 == n:
                with torch.no_grad():
                    hx, hy = sample(batch)
                    last = infonce(model(hx, hy)).item()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return last

    if warmup:
        train(warmup)
    start = time.perf_counter()
    last = train(steps)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "side": "pytorch", "critic": critic, "batch": batch, "steps": steps,
        "seconds": round(seconds, 4), "steps_per_s": round(steps / seconds, 3),
        "final_estimate": round(last, 4), "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
