#!/usr/bin/python3
"""What one op costs in PyTorch eager on tiny tensors: the reference of `vlmd bench ops`.

The same cases as ours: add, mul, matmul, linear (x W^T + b, W [n x n]), silu on a [16] vector and a
[64 x 64] matrix, and attention on [1,1,4,4] and [1,1,64,64] (PyTorch 1.13 has no
scaled_dot_product_attention: the composed softmax(q k^T * scale) v, four ops, is timed instead and
labelled so). Inputs random normal fp32, made once; every result is dropped at once (its refcount
falls to zero and its memory is freed), as ours closes each result. Each round runs every case once;
printed: the median over the rounds after the warm-up ones of wall ns a call and this thread's CPU ns
a call (time.thread_time_ns, what other load disturbs least), one line a case:
`op<TAB>OP<TAB>SIZE<TAB>pytorch<TAB>WALL<TAB>CPU<TAB>CALLS<TAB>WHAT`.
"""
import argparse
import math
import os
import statistics
import time

import torch
import torch.nn.functional as F


def cases(grad):
    def t(*shape):
        return torch.randn(*shape, requires_grad=grad)

    out = {}
    for size, shape in (("16", (16,)), ("64x64", (64, 64))):
        a, b = t(*shape), t(*shape)
        n = shape[-1]
        w, bias = t(n, n), t(n)
        out[("add", size)] = ("torch.add", lambda a=a, b=b: torch.add(a, b))
        out[("mul", size)] = ("torch.mul", lambda a=a, b=b: torch.mul(a, b))
        out[("matmul", size)] = ("torch.matmul", lambda a=a, b=b: torch.matmul(a, b))
        out[("linear", size)] = ("F.linear", lambda a=a, w=w, bias=bias: F.linear(a, w, bias))
        out[("silu", size)] = ("F.silu", lambda a=a: F.silu(a))
        s = (1, 1, 4, 4) if size == "16" else (1, 1, 64, 64)
        q, k, v = t(*s), t(*s), t(*s)
        if hasattr(F, "scaled_dot_product_attention"):
            out[("sdpa", size)] = ("F.scaled_dot_product_attention",
                                   lambda q=q, k=k, v=v: F.scaled_dot_product_attention(q, k, v))
        else:
            scale = 1 / math.sqrt(s[-1])
            out[("sdpa", size)] = ("composed: matmul, mul, softmax, matmul (1.13 has no sdpa)",
                                   lambda q=q, k=k, v=v: torch.matmul(torch.softmax(
                                       torch.matmul(q, k.transpose(-1, -2)) * scale, -1), v))
    return out


def run(fn, calls):
    for _ in range(calls):
        fn()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--millis", type=float, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--grad", action="store_true", help="inputs require gradient")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    cs = cases(a.grad)
    calls = {}
    for key, (_, fn) in cs.items():
        run(fn, 200)
        t0 = time.perf_counter_ns()
        run(fn, 200)
        per = (time.perf_counter_ns() - t0) / 200
        calls[key] = max(200, int(a.millis * 1e6 / per))
    wall = {k: [] for k in cs}
    cpu = {k: [] for k in cs}
    for r in range(-a.warmup, a.rounds):
        for key, (_, fn) in cs.items():
            c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
            run(fn, calls[key])
            t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
            if r >= 0:
                wall[key].append((t1 - t0) / calls[key])
                cpu[key].append((c1 - c0) / calls[key])
        if r >= 0:
            print(f"  round {r + 1} of {a.rounds} done (load {' '.join(os.getloadavg().__repr__()[1:-1].split(', '))})")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, grad {a.grad}")
    for (op, size), (what, _) in cs.items():
        print(f"op\t{op}\t{size}\tpytorch\t{statistics.median(wall[(op, size)]):.0f}\t"
              f"{statistics.median(cpu[(op, size)]):.0f}\t{calls[(op, size)]}\t{what}")


if __name__ == "__main__":
    main()
