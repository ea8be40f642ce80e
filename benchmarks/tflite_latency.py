"""Is the full-int8 .tflite of the CycleGAN generator faster than fp32 under LiteRT, and where
does int8 lose time?

    .venv/bin/python benchmarks/tflite_latency.py [--sizes 128 256] \
        [--archs reference preset] [--model gan.keras] [--repeats 15] [--no-breakdown] \
        [--out benchmarks/results/tflite_latency.jsonl]

For each architecture — the reference size (`CycleGAN(filters=64, num_blocks=9)`) and the preset
size (`filters=32, num_blocks=6`), untrained (seed 0), or the a→b generator of a `.keras`
CycleGAN given with `--model` — and each image size, this exports fp32 and int8 with the
package's exporter (`export_generator`, calibrated on 8 SynthPortraits) and times LiteRT
invokes (2 threads, the default XNNPACK delegate) of both files interleaved: one fp32 invoke,
one int8 invoke, in alternating order, `--repeats` times after 2 warm-ups each; the medians and
their ratio. The machine is shared, so only the interleaved ratio is comparable between runs.

The breakdown cuts each file into one-operator models (the operator, its constants, and its
other inputs fed with the values the whole file computes on a calibration image) and times each
the same way, fp32 and int8 operators interleaved; it sums the medians per operator type and
output dtype and says how many of them XNNPACK took (a one-operator model whose graph gained a
DELEGATE node). The sum is not the file's latency (one operator at a time loses XNNPACK's fusion
and the caches), but it shows where the time goes.

One JSON row per (architecture, size), printed and appended to `--out`.
"""

import argparse
import collections
import os
import pathlib
import statistics
import sys
import tempfile
import time
from unittest import mock

import keras
import numpy as np
from ai_edge_litert.interpreter import Interpreter
from ai_edge_litert.interpreter import OpResolverType
from ai_edge_litert.tools import flatbuffer_utils

import keras_portrait as kp
from keras_portrait.data import synth_portraits
from keras_portrait.export import tflite

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run_info import append_row  # noqa: E402  (benchmarks/run_info.py)
from run_info import run_header  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
RESULTS = HERE / "results" / "tflite_latency.jsonl"
ARCHITECTURES = {"reference": (64, 9), "preset": (32, 6)}
THREADS = 2


def generator_of(arch, model_path):
    """The CycleGAN to export: loaded from `model_path`, else built untrained (seed 0)."""
    if model_path:
        return keras.saving.load_model(model_path)
    filters, num_blocks = ARCHITECTURES[arch]
    keras.utils.set_random_seed(0)
    return kp.CycleGAN(filters=filters, num_blocks=num_blocks, discriminator_filters=8)


def calibration_images(size, count=8):
    dataset = synth_portraits("dcgan", image_size=size, batch_size=None, num_examples=count,
                              style=None, shuffle=False)
    return np.stack([image.numpy() for image in dataset])


def interpreter(path_or_content, resolver=OpResolverType.AUTO, num_threads=THREADS):
    kind = "model_path" if isinstance(path_or_content, str) else "model_content"
    result = Interpreter(**{kind: path_or_content}, num_threads=num_threads,
                         experimental_op_resolver_type=resolver)
    result.allocate_tensors()
    return result


def interleaved_medians(interpreters, repeats, warmup=2):
    """[(wall s, process CPU s)]: medians of one invoke of each interpreter, invoked in turn
    (the order alternating), so that all of them share the same background load."""
    for each in interpreters:
        for _ in range(warmup):
            each.invoke()
    walls, cpus = [[] for _ in interpreters], [[] for _ in interpreters]
    for r in range(repeats):
        order = range(len(interpreters)) if r % 2 == 0 else reversed(range(len(interpreters)))
        for i in order:
            cpu, wall = time.process_time(), time.perf_counter()
            interpreters[i].invoke()
            walls[i].append(time.perf_counter() - wall)
            cpus[i].append(time.process_time() - cpu)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus)]


def feed(each, rng):
    """Fills an interpreter's inputs with values in each input's dtype range."""
    for details in each.get_input_details():
        dtype = np.dtype(details["dtype"])
        if dtype.kind == "f":
            value = rng.uniform(0, 1, details["shape"]).astype(dtype)
        else:
            value = rng.integers(0, 255, details["shape"]).astype(dtype)
        each.set_tensor(details["index"], value)


# ---- one-operator models -------------------------------------------------------------------

def _operator_names(model):
    names = {v: k for k, v in vars(flatbuffer_utils.schema_fb.BuiltinOperator).items()
             if k.isupper()}
    return [names[flatbuffer_utils.get_builtin_code_from_operator_code(code)]
            for code in model.operatorCodes]


def single_operator_models(content, example):
    """[(type, output dtype, one-operator .tflite bytes, {input position: value})] for each
    operator of `content`, its non-constant inputs taken from a run on `example`."""
    import copy  # noqa: PLC0415

    whole = Interpreter(model_content=content, experimental_preserve_all_tensors=True,
                        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    whole.allocate_tensors()
    whole.set_tensor(whole.get_input_details()[0]["index"], example)
    whole.invoke()
    model = flatbuffer_utils.read_model_from_bytearray(bytearray(content))
    names = _operator_names(model)
    graph = model.subgraphs[0]
    result = []
    for op in graph.operators:
        one = flatbuffer_utils.schema_fb.ModelT()
        one.version, one.description = model.version, b"one operator"
        one.operatorCodes = [model.operatorCodes[op.opcodeIndex]]
        one.buffers = [flatbuffer_utils.schema_fb.BufferT()]
        sub = flatbuffer_utils.schema_fb.SubGraphT()
        sub.tensors, sub.inputs, index = [], [], {}
        values = {}
        for t in [t for t in op.inputs if t >= 0] + list(op.outputs):
            if t in index:
                continue
            tensor = copy.copy(graph.tensors[t])
            data = model.buffers[tensor.buffer].data if tensor.buffer else None
            if data is not None and len(data):
                one.buffers.append(model.buffers[tensor.buffer])
                tensor.buffer = len(one.buffers) - 1
            else:
                tensor.buffer = 0
                if t in op.inputs:
                    sub.inputs.append(len(sub.tensors))
                    values[len(sub.inputs) - 1] = whole.get_tensor(t)
            index[t] = len(sub.tensors)
            sub.tensors.append(tensor)
        new_op = copy.copy(op)
        new_op.opcodeIndex = 0
        new_op.inputs = [index[t] if t >= 0 else -1 for t in op.inputs]
        new_op.outputs = [index[t] for t in op.outputs]
        new_op.intermediates = []
        sub.outputs = list(new_op.outputs)
        sub.operators = [new_op]
        one.subgraphs = [sub]
        dtype = flatbuffer_utils.type_to_name(graph.tensors[op.outputs[0]].type).lower()
        result.append((names[op.opcodeIndex], dtype,
                       bytes(flatbuffer_utils.convert_object_to_bytearray(one)), values))
    return result


def _ready(model_bytes, values):
    each = interpreter(model_bytes, num_threads=1)
    for position, details in enumerate(each.get_input_details()):
        each.set_tensor(details["index"], values[position])
    delegated = each._interpreter.NumNodes() > 1  # noqa: SLF001  (a DELEGATE node was added)
    return each, delegated


def breakdown(contents, examples, repeats):
    """{format: {"TYPE dtype": {"ms", "count", "xnnpack"}}}: one-operator medians of CPU
    time at 1 thread summed (the work, which the background load barely changes)."""
    pieces = {fmt: single_operator_models(content, examples[fmt])
              for fmt, content in contents.items()}
    longest = max(len(p) for p in pieces.values())
    totals = {fmt: collections.defaultdict(lambda: {"ms": 0.0, "count": 0, "xnnpack": 0})
              for fmt in pieces}
    for i in range(longest):  # operator i of each file in turn: they share the same load
        ready, keys = [], []
        for fmt, ops in pieces.items():
            j = i * len(ops) // longest
            if i and (i - 1) * len(ops) // longest == j:
                continue  # the shorter file's operator j was timed already
            op_type, dtype, model_bytes, values = ops[j]
            ready.append(_ready(model_bytes, values))
            keys.append((fmt, f"{op_type} {dtype}"))
        medians = interleaved_medians([each for each, _ in ready], repeats)
        for (fmt, key), (_, delegated), (_, cpu) in zip(keys, ready, medians):
            totals[fmt][key]["ms"] += 1e3 * cpu
            totals[fmt][key]["count"] += 1
            totals[fmt][key]["xnnpack"] += int(delegated)
    return {fmt: {key: {**v, "ms": round(v["ms"], 2)}
                  for key, v in sorted(table.items(), key=lambda kv: -kv[1]["ms"])}
            for fmt, table in totals.items()}


# ---- one row -------------------------------------------------------------------------------

def export(gan, size, images, out_dir, rewrite):
    """(cards, export seconds) of fp32 and int8; `rewrite=False` writes the files as the
    converter gives them (the exporter before `tflite.delegable`: the baseline)."""
    start = time.perf_counter()
    with mock.patch.object(tflite, "delegable", tflite.delegable if rewrite else bytes):
        cards = kp.export_generator(gan, out_dir, image_size=size, formats=("fp32", "int8"),
                                    representative_data=[images])
    return cards, time.perf_counter() - start


def measure(arch, size, args, load_start):
    gan = generator_of(arch, args.model)
    images = calibration_images(size)
    variants = ("baseline", "delegable") if args.baseline else ("delegable",)
    cards, export_s, contents, timed = {}, {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="tflite_latency_") as out_dir:
        for variant in variants:
            cards[variant], export_s[variant] = export(
                gan, size, images, os.path.join(out_dir, variant), variant == "delegable")
        files = {(variant, fmt): cards[variant][fmt]["path"]
                 for variant in variants for fmt in ("fp32", "int8")}
        contents = {key: pathlib.Path(path).read_bytes() for key, path in files.items()}
        for threads in (THREADS, 1):
            interpreters = [interpreter(path, num_threads=threads) for path in files.values()]
            rng = np.random.default_rng(0)
            for each in interpreters:
                feed(each, rng)
            timed[threads] = dict(zip(files, interleaved_medians(interpreters, args.repeats)))
            del interpreters
    example = np.clip(np.round((images[:1] + 1) * 127.5), 0, 255).astype(np.uint8)
    filters, num_blocks = ARCHITECTURES[arch] if not args.model else (None, None)
    row = {
        **run_header("tflite_latency", load_start),
        "architecture": arch if not args.model else os.path.abspath(args.model),
        "filters": filters, "num_blocks": num_blocks, "image_size": size,
        "num_threads": THREADS, "repeats": args.repeats,
    }
    for variant in variants:
        wall = {fmt: timed[THREADS][(variant, fmt)][0] for fmt in ("fp32", "int8")}
        cpu = {fmt: timed[1][(variant, fmt)][1] for fmt in ("fp32", "int8")}
        sizes = {fmt: len(contents[(variant, fmt)]) for fmt in ("fp32", "int8")}
        parity = cards[variant]["int8"]["parity_vs_keras"]
        row[variant] = {
            "export_s": round(export_s[variant], 1),
            "fp32_ms": round(1e3 * wall["fp32"], 1), "int8_ms": round(1e3 * wall["int8"], 1),
            "int8_speedup": round(wall["fp32"] / wall["int8"], 3),
            "fp32_cpu_ms_1_thread": round(1e3 * cpu["fp32"], 1),
            "int8_cpu_ms_1_thread": round(1e3 * cpu["int8"], 1),
            "int8_speedup_cpu_1_thread": round(cpu["fp32"] / cpu["int8"], 3),
            "fp32_bytes": sizes["fp32"], "int8_bytes": sizes["int8"],
            "int8_size_ratio": round(sizes["int8"] / sizes["fp32"], 4),
            "fp32_parity_max_abs": cards[variant]["fp32"]["parity_vs_keras"]["max_abs"],
            "int8_parity_mean_abs": parity["mean_abs"], "int8_parity_max_abs": parity["max_abs"],
            "operators_int8": cards[variant]["int8"]["operators"],
        }
        if args.breakdown:
            table = breakdown({fmt: contents[(variant, fmt)] for fmt in ("fp32", "int8")},
                              {"fp32": example, "int8": example}, max(3, args.repeats // 3))
            row[variant]["breakdown_cpu_ms_1_thread"] = table
            row[variant]["breakdown_sum_ms"] = {
                fmt: round(sum(v["ms"] for v in t.values()), 1) for fmt, t in table.items()}
    if args.baseline:
        row["int8_delegable_vs_baseline"] = round(
            timed[THREADS][("baseline", "int8")][0] / timed[THREADS][("delegable", "int8")][0], 3)
        row["int8_delegable_vs_baseline_cpu_1_thread"] = round(
            timed[1][("baseline", "int8")][1] / timed[1][("delegable", "int8")][1], 3)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--archs", nargs="+", choices=sorted(ARCHITECTURES),
                        default=["reference", "preset"])
    parser.add_argument("--model", help="a .keras CycleGAN (replaces --archs)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-breakdown", dest="breakdown", action="store_false")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip the files as written without `tflite.delegable`")
    parser.add_argument("--note", default=None, help="free text stored in the row")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    archs = ["model"] if args.model else args.archs
    for arch in archs:
        for size in args.sizes:
            row = measure(arch, size, args, os.getloadavg()[0])
            if args.note:
                row["note"] = args.note
            os.makedirs(os.path.dirname(args.out), exist_ok=True)
            append_row(args.out, row)


if __name__ == "__main__":
    main()
