#!/usr/bin/python3
"""TAID's loss alone in PyTorch eager, the official formula, forward + backward: the reference of
`vlmd bench loss --tokens T --chunk 256` (ours: ChunkedLoss on StudentRows.Logits).

Inputs as ours makes them: random fp32 student and teacher logits [T x V] (normal, std 2; V
151936, Qwen2's vocabulary), made afresh for each rep outside the timing; t = 0.4; every row
labelled (mask of ones). Timed: the loss (p_t = softmax((1-t) stopgrad(z_s) + t z_t),
-sum p_t log_softmax(z_s) with infinite student logits masked to 0, masked token mean) and its
backward into z_s. Prints each rep, the median, the process's peak RSS (VmHWM), and the loss's own
peak above the RSS it started from (VmHWM reset through /proc/self/clear_refs once the inputs exist),
as `vlmd bench loss` does.
"""
import argparse
import statistics
import time
from pathlib import Path

import torch


def taid_loss(z_s, z_t, mask, t):
    """TAID's official loss (Shing et al., TAID repository), distil_ratio 1."""
    p_t = torch.softmax((1 - t) * z_s.detach() + t * z_t, dim=-1)
    logq = torch.log_softmax(z_s, dim=-1)
    x = torch.masked_fill(p_t * logq, torch.isinf(z_s), 0).sum(-1).view(-1)
    return -torch.sum(x * mask) / torch.sum(mask)


def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return -1


def reset_peak():
    """Writing 5 to clear_refs resets VmHWM to the current RSS (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=2048)
    ap.add_argument("--vocab", type=int, default=151936)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(1)
    seconds, above, peak = [], [], 0
    for i in range(a.reps):
        z_s = (torch.randn(a.tokens, a.vocab, generator=g) * 2).requires_grad_(True)
        z_t = torch.randn(a.tokens, a.vocab, generator=g) * 2
        mask = torch.ones(a.tokens)
        rss = status("VmRSS")
        if not reset_peak():
            raise SystemExit("cannot reset VmHWM through /proc/self/clear_refs")
        t0 = time.perf_counter()
        loss = taid_loss(z_s, z_t, mask, 0.4)
        loss.backward()
        seconds.append(time.perf_counter() - t0)
        hwm = status("VmHWM")
        above.append(hwm - rss)
        peak = max(peak, hwm)
        print(f"  run {i + 1}: {seconds[-1]:.3f} s, loss {loss.item():.4f}, RSS {rss / 2**30:.2f} GiB before "
              f"the loss, {above[-1] / 2**30:.2f} GiB above it at the peak", flush=True)
        del z_s, z_t, loss
    print(f"pytorch loss taid eager, {a.tokens} x {a.vocab} fp32, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads: {statistics.median(seconds):.3f} s forward+backward, "
          f"peak RSS {peak / 2**30:.2f} GiB, the loss's own peak {statistics.median(above) / 2**30:.2f} GiB "
          f"above its inputs (medians of {a.reps} runs)")


if __name__ == "__main__":
    main()
