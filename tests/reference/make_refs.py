#!/usr/bin/python3
"""Writes PyTorch reference values for the op table (tests/reference/cases_*.py).

Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_refs.py
For each family it writes tests/reference/data/<family>.safetensors holding, per case,
the float32 inputs (<case>.in<i>), the upstream gradient (<case>.gout), the output
(<case>.out) and the input gradients (<case>.grad<i>), all computed in float64 from the
float32 inputs, and a "cases" metadata entry (JSON) with the op name, options, which inputs
are differentiable, tolerances, and whether the C++ side should gradcheck the case.
The C++ tests (tests/ops/test_op_table.cpp) read only these files: CI needs no torch.
"""
import importlib.util, json, pathlib, struct, sys
import torch

HERE = pathlib.Path(__file__).resolve().parent


def make_input(spec, gen):
    """spec: a shape list (standard normal) or a dict with 'shape' and 'kind'."""
    if isinstance(spec, list):
        spec = {"shape": spec}
    shape, kind = spec["shape"], spec.get("kind", "normal")
    if kind == "normal":
        t = torch.randn(shape, generator=gen, dtype=torch.float64)
    elif kind == "positive":  # away from 0, for log/sqrt/div
        t = torch.rand(shape, generator=gen, dtype=torch.float64) * 1.5 + 0.5
    elif kind == "uniform":  # [lo, hi)
        lo, hi = spec.get("lo", -1.0), spec.get("hi", 1.0)
        t = torch.rand(shape, generator=gen, dtype=torch.float64) * (hi - lo) + lo
    elif kind == "int":  # integer ids in [lo, hi), stored as floats
        t = torch.randint(spec.get("lo", 0), spec["hi"], shape, generator=gen).double()
    elif kind == "values":
        t = torch.tensor(spec["values"], dtype=torch.float64).reshape(shape)
    elif kind == "distinct":  # a random permutation of spaced values: no ties for max
        n = 1
        for d in shape:
            n *= d
        t = (torch.randperm(n, generator=gen).double() * 0.1 - 0.05 * n).reshape(shape)
    else:
        raise ValueError(f"unknown input kind {kind}")
    return t.float().double()  # exactly representable in float32


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().float().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def run_family(path):
    family = path.stem[len("cases_"):]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    gen = torch.Generator().manual_seed(1234)
    tensors, cases = {}, []
    for case in mod.CASES:
        name = case["name"]
        ins = [make_input(s, gen) for s in case["inputs"]]
        grad_mask = case.get("grad", [True] * len(ins))
        leaves = [t.clone().requires_grad_(g) for t, g in zip(ins, grad_mask)]
        out = case["fn"](*leaves, **case.get("args", {}))
        gout = torch.randn(out.shape, generator=gen, dtype=torch.float64).float().double()
        grads = [None] * len(leaves)
        if any(grad_mask) and out.requires_grad:
            diff = [l for l, g in zip(leaves, grad_mask) if g]
            gs = torch.autograd.grad(out, diff, gout, allow_unused=True)
            it = iter(gs)
            grads = [next(it) if g else None for g in grad_mask]
        for i, t in enumerate(ins):
            tensors[f"{name}.in{i}"] = t
        tensors[f"{name}.out"] = out
        tensors[f"{name}.gout"] = gout
        for i, g in enumerate(grads):
            if grad_mask[i]:
                tensors[f"{name}.grad{i}"] = g if g is not None else torch.zeros_like(ins[i])
        cases.append({"name": name, "op": case["op"], "args": case.get("args", {}),
                      "grad": grad_mask, "n_inputs": len(ins),
                      "rtol": case.get("rtol", 1e-4), "atol": case.get("atol", 1e-5),
                      "gradcheck": case.get("gradcheck", True),
                      "gradgradcheck": case.get("gradgradcheck", False)})
    out_path = HERE / "data" / f"{family}.safetensors"
    write_safetensors(out_path, tensors, {"cases": json.dumps(cases)})
    print(f"{out_path.relative_to(HERE.parent.parent)}: {len(cases)} cases")


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    files = sorted(HERE.glob("cases_*.py"))
    wanted = set(sys.argv[1:])
    for p in files:
        if not wanted or p.stem[len("cases_"):] in wanted:
            run_family(p)
