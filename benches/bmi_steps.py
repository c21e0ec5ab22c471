"""bmi's side of benches/compare.py --bmi: bmi's own InfoNCE training loop on its default critic.

The same work as `steps bmi BATCH STEPS` (benches/steps.rs) and the `bmi` row of
benches/torch_steps.py: bmi's default concat critic (its `MLP`, 2-16-8-1, ReLU) on a 1-dim
correlated Gaussian with 0.5 nats, InfoNCE on all BATCH^2 pairs (bmi's quadratic backend),
Adam at lr 5e-4, and a held-out InfoNCE estimate every 10 steps on BATCH fresh pairs. The loop
is bmi's `basic_training` itself (jit-compiled step, batches drawn from a fixed sample of 5000
pairs as bmi does, early stopping off), so the timing is what a bmi user gets.

    python benches/bmi_steps.py BATCH STEPS [WARMUP]

prints one JSON line. `basic_training` compiles its step on every call, so the script times a
short call (WARMUP steps) and a long one (WARMUP + STEPS) and reports STEPS over the
difference: the marginal cost of a step, compile time excluded (reported on its own as the
short call's time). One thread: run it with
XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" and taskset
(benches/compare.py sets both). Needs bmi (pip install benchmark-mi==0.1.3 jax==0.4.30
jaxlib==0.4.30; docs/performance.md).
"""
import json
import math
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from bmi.estimators.neural._backend_quadratic_memory import infonce
from bmi.estimators.neural._basic_training import basic_training
from bmi.estimators.neural._critics import MLP


def main():
    batch, steps = int(sys.argv[1]), int(sys.argv[2])
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else max(steps // 10, 20)
    mi = 0.5
    rho = math.sqrt(1 - math.exp(-2 * mi))
    rng = np.random.default_rng(0)

    def sample(k):
        x = rng.standard_normal((k, 1)).astype(np.float32)
        return x, (rho * x + math.sqrt(1 - rho * rho) * rng.standard_normal((k, 1))).astype(np.float32)

    xs, ys = sample(5000)
    xt, yt = sample(batch)
    xs, ys, xt, yt = map(jnp.asarray, (xs, ys, xt, yt))

    def train(n):
        critic = MLP(jax.random.PRNGKey(0), 1, 1, hidden_layers=(16, 8))
        start = time.perf_counter()
        log, _ = basic_training(
            rng=jax.random.PRNGKey(1),
            critic=critic,
            mi_formula=infonce,
            xs=xs,
            ys=ys,
            mi_formula_test=infonce,
            xs_test=xt,
            ys_test=yt,
            batch_size=batch,
            test_every_n_steps=10,
            max_n_steps=n,
            early_stopping=False,
            learning_rate=5e-4,
            verbose=False,
        )
        jax.block_until_ready(log.final_mi)
        return time.perf_counter() - start, float(log.final_mi)

    short, _ = train(warmup)
    long, last = train(warmup + steps)
    seconds = long - short
    print(json.dumps({
        "side": "bmi", "critic": "bmi", "batch": batch, "steps": steps,
        "seconds": round(seconds, 4), "steps_per_s": round(steps / seconds, 3),
        "compile_and_warmup_seconds": round(short, 3),
        "final_estimate": round(last, 4), "jax": jax.__version__,
    }))


if __name__ == "__main__":
    main()
