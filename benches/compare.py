"""mica against PyTorch on the same critic training, in one invocation (docs/performance.md).

    python benches/compare.py [--reps 3] [--core 1] [--rows separable:64,concat:64] [--reference]
        [--bmi PYTHON]

Builds `cargo bench --bench steps` once, then for each row runs mica's side
(benches/steps.rs) and PyTorch's (benches/torch_steps.py, with the python this script runs
under) alternately, each pinned with taskset to the same core and one thread, REPS times;
prints the median steps/s of each, their ratio, and both sides' final held-out estimates (so
that the comparison is seen to be of the same work). `--reference` also times mica's plain
candle path (MICA_REFERENCE=1). `--bmi PYTHON` also runs bmi's own training loop
(benches/bmi_steps.py, under the Python that has bmi and JAX) on the `bmi` row, alternating with
the other two, and prints mica against bmi as a second table. Needs `pip install torch`
(docs/performance.md).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

# (critic, batch, steps): each side takes a few seconds per repetition.
ROWS = [
    ("separable", 64, 1000),
    ("separable", 256, 400),
    ("separable", 1024, 60),
    ("concat", 64, 60),
    ("concat", 256, 4),
    ("bmi", 256, 300),
]

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def mica_binary():
    out = subprocess.run(
        ["cargo", "bench", "--bench", "steps", "--no-run", "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "steps":
            if msg.get("executable"):
                return msg["executable"]
    sys.exit("cargo did not report the steps bench executable")


def run(cmd, core, env=None):
    full = ["taskset", "-c", str(core)] + cmd
    e = dict(os.environ, RAYON_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
             XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    e.update(env or {})
    out = subprocess.run(full, cwd=ROOT, check=True, capture_output=True, text=True, env=e)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--core", type=int, default=1)
    ap.add_argument("--rows", default="")
    ap.add_argument("--reference", action="store_true")
    ap.add_argument("--bmi", metavar="PYTHON", help="a Python with bmi installed")
    a = ap.parse_args()
    rows = ROWS
    if a.rows:
        want = {tuple(r.split(":")) for r in a.rows.split(",")}
        rows = [r for r in ROWS if (r[0], str(r[1])) in want]
    exe = mica_binary()
    import torch  # noqa: F401  (fail early, with Python's message, when torch is missing)

    pm = run([exe, "peak"], a.core)["peak_gflop_per_s"]
    pp = run([sys.executable, os.path.join(HERE, "torch_steps.py"), "peak"], a.core)["peak_gflop_per_s"]
    print(f"2048 x 2048 f32 matmul on one thread: mica (gemm) {pm:.1f} GFLOP/s, PyTorch {pp:.1f} GFLOP/s")
    print()
    print("| critic, batch | steps | mica steps/s | PyTorch steps/s | ratio | estimates (mica, PyTorch) "
          "| mica GFLOP/s (% of gemm peak) |" + (" reference path steps/s |" if a.reference else ""))
    print("|---|---|---|---|---|---|---|" + ("---|" if a.reference else ""))
    bmi_runs, bmi_mica = [], []
    for critic, batch, steps in rows:
        args = [critic, str(batch), str(steps)]
        m, p, r = [], [], []
        for _ in range(a.reps):
            m.append(run([exe] + args, a.core))
            p.append(run([sys.executable, os.path.join(HERE, "torch_steps.py")] + args, a.core))
            if a.reference:
                r.append(run([exe] + args, a.core, {"MICA_REFERENCE": "1"}))
            if a.bmi and critic == "bmi":
                bmi_runs.append(run([a.bmi, os.path.join(HERE, "bmi_steps.py")] + args[1:], a.core))
                bmi_mica.append(m[-1])
        ms = statistics.median(x["steps_per_s"] for x in m)
        ps = statistics.median(x["steps_per_s"] for x in p)
        est = f"{statistics.median(x['final_estimate'] for x in m):.2f}, " \
              f"{statistics.median(x['final_estimate'] for x in p):.2f}"
        gf = statistics.median(x["gflop_per_s"] for x in m)
        line = (f"| {critic}, {batch} | {steps} | {ms:.1f} | {ps:.1f} | {ms / ps:.2f} | {est} "
                f"| {gf:.1f} ({100 * gf / pm:.0f}%) |")
        if a.reference:
            line += f" {statistics.median(x['steps_per_s'] for x in r):.1f} |"
        print(line, flush=True)
    if bmi_runs:
        ms = statistics.median(x["steps_per_s"] for x in bmi_mica)
        bs = statistics.median(x["steps_per_s"] for x in bmi_runs)
        est = f"{statistics.median(x['final_estimate'] for x in bmi_mica):.2f}, " \
              f"{statistics.median(x['final_estimate'] for x in bmi_runs):.2f}"
        compile_s = statistics.median(x["compile_and_warmup_seconds"] for x in bmi_runs)
        print()
        print("| critic, batch | steps | mica steps/s | bmi (JAX) steps/s | ratio | estimates (mica, bmi) "
              "| bmi's compile + warm-up, s |")
        print("|---|---|---|---|---|---|---|")
        print(f"| bmi, {bmi_runs[0]['batch']} | {bmi_runs[0]['steps']} | {ms:.1f} | {bs:.1f} | "
              f"{ms / bs:.2f} | {est} | {compile_s:.2f} |", flush=True)


if __name__ == "__main__":
    main()
