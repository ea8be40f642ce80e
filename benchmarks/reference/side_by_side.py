"""Alternates keras_portrait's CycleGAN step with the two references, so load hits all alike.

    .venv/bin/python benchmarks/reference/side_by_side.py [--sizes 128 256] [--rounds 2]
        [--steps 5] [--warmup 1] [--torch-python /work/bench_venv/bin/python]

Per round and size it runs, each in a fresh process pinned to 2 CPUs: ours without XLA, the
PyTorch reference, the keras.io example, ours with XLA. Every JSON line gets the 1-minute load
average before and after; ours go to benchmarks/results/cyclegan_step.json, the references to
benchmarks/results/cyclegan_reference.json (appended).
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.dirname(HERE)


def run(command, out_path, label):
    load_before = os.getloadavg()[0]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    load_after = os.getloadavg()[0]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        print(f"{label}: failed\n{done.stderr[-3000:]}", file=sys.stderr, flush=True)
        return
    for line in lines:
        result = {**json.loads(line), "run": label, "load_before": load_before,
                  "load_after": load_after}
        print(json.dumps(result), flush=True)
        with open(out_path, "a") as f:
            f.write(json.dumps(result) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--torch-python", default="/work/bench_venv/bin/python")
    parser.add_argument("--skip", nargs="*", default=[],
                        help="runs to leave out: ours-nojit torch kerasio ours-jit")
    parser.add_argument("--results", default=os.path.join(BENCHMARKS, "results"))
    args = parser.parse_args()
    ours_out = os.path.join(args.results, "cyclegan_step.json")
    reference_out = os.path.join(args.results, "cyclegan_reference.json")
    common = ["--steps", str(args.steps), "--warmup", str(args.warmup)]
    for round_ in range(args.rounds):
        for size in args.sizes:
            sizes = ["--sizes", str(size)]
            runs = {
                "ours-nojit": ([sys.executable, os.path.join(BENCHMARKS, "cyclegan_step.py"),
                                "--jit", "off", "--no-latency", "--out", ""], ours_out),
                "torch": ([args.torch_python, os.path.join(HERE, "torch_cyclegan_step.py")],
                          reference_out),
                "kerasio": ([sys.executable, os.path.join(HERE, "kerasio_cyclegan_step.py")],
                            reference_out),
                "ours-jit": ([sys.executable, os.path.join(BENCHMARKS, "cyclegan_step.py"),
                              "--jit", "on", "--no-latency", "--out", ""], ours_out),
            }
            for label, (command, out_path) in runs.items():
                if label not in args.skip:
                    run(command + sizes + common, out_path, f"{label} round {round_ + 1}")


if __name__ == "__main__":
    main()
