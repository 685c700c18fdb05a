"""Monotonic alignment search: time for one 500-token x 2000-frame matrix after JIT.

Prints the numba kernel (engine.align.maximum_path, goal < 50 ms) beside two peers measured
in the same run on the same matrix:

- numpy row-vectorised: the same dynamic programme with one numpy operation per frame over
  all tokens, the usual way to run MAS without a compiler;
- python loop: the official cython ``maximum_path_each`` (jaywalnut310/glow-tts) re-expressed
  line for line in plain Python, i.e. what it costs without cython (timed once, it is slow).

Also a batch of 16 such items, one after the other and spread over numba's threads. Every
peer's path is checked equal to the kernel's. Usage: python benchmarks/align_mas.py [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import time

import numba
import numpy as np

from engine.align import maximum_path

NEG_INF = -1e9


def numpy_rows(value: np.ndarray) -> np.ndarray:
    """MAS with one vectorised numpy step per frame; value [t_x, t_y]."""
    t_x, t_y = value.shape
    acc = np.full((t_y, t_x), NEG_INF, dtype=value.dtype)
    acc[0, 0] = value[0, 0]
    frames = value.T
    for y in range(1, t_y):
        prev = acc[y - 1]
        shifted = np.empty_like(prev)
        shifted[0] = NEG_INF
        shifted[1:] = prev[:-1]
        acc[y] = frames[y] + np.maximum(prev, shifted)
        acc[y, y + 1 :] = NEG_INF
        acc[y, : max(0, t_x + y - t_y)] = NEG_INF
    path = np.zeros((t_x, t_y), dtype=np.uint8)
    index = t_x - 1
    for y in range(t_y - 1, -1, -1):
        path[index, y] = 1
        if index != 0 and (index == y or acc[y - 1, index] < acc[y - 1, index - 1]):
            index -= 1
    return path


def python_loop(value: np.ndarray) -> np.ndarray:
    """The official cython loop, run by the interpreter; value [t_x, t_y]."""
    t_x, t_y = value.shape
    acc = value.tolist()
    for y in range(t_y):
        for x in range(max(0, t_x + y - t_y), min(t_x, y + 1)):
            v_cur = NEG_INF if x == y else acc[x][y - 1]
            if x == 0:
                v_prev = 0.0 if y == 0 else NEG_INF
            else:
                v_prev = acc[x - 1][y - 1]
            acc[x][y] += max(v_prev, v_cur)
    path = np.zeros((t_x, t_y), dtype=np.uint8)
    index = t_x - 1
    for y in range(t_y - 1, -1, -1):
        path[index, y] = 1
        if index != 0 and (index == y or acc[index][y - 1] < acc[index - 1][y - 1]):
            index -= 1
    return path


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    t_x, t_y = 500, 2000
    value = rng.normal(size=(1, t_x, t_y)).astype(np.float32)
    batch = rng.normal(size=(16, t_x, t_y)).astype(np.float32)

    start = time.perf_counter()
    kernel_path = maximum_path(value)[0]
    first_call = time.perf_counter() - start
    maximum_path(batch, parallel=True)
    kernel = best_of(lambda: maximum_path(value), args.repeats)
    kernel_batch = best_of(lambda: maximum_path(batch), max(3, args.repeats // 4))
    kernel_parallel = best_of(lambda: maximum_path(batch, parallel=True), max(3, args.repeats // 4))

    assert np.array_equal(numpy_rows(value[0]), kernel_path)
    numpy_time = best_of(lambda: numpy_rows(value[0]), 3)
    start = time.perf_counter()
    assert np.array_equal(python_loop(value[0]), kernel_path)
    python_time = time.perf_counter() - start

    print(
        f"MAS {t_x} tokens x {t_y} frames, float32, {os.cpu_count()} CPUs, "
        f"numba {numba.__version__} ({numba.get_num_threads()} threads)"
    )
    print(f"  first call (JIT or cache load) {first_call * 1e3:9.1f} ms")
    print(f"  numba kernel, best of {args.repeats:<3}     {kernel * 1e3:9.2f} ms   (goal < 50 ms)")
    print(
        f"  numba kernel, batch of 16          {kernel_batch * 1e3:9.2f} ms "
        f"({kernel_batch / 16 * 1e3:.2f} ms per item)"
    )
    print(
        f"  numba kernel, batch of 16, parallel {kernel_parallel * 1e3:9.2f} ms "
        f"({kernel_parallel / 16 * 1e3:.2f} ms per item)"
    )
    print(f"  numpy row-vectorised, best of 3    {numpy_time * 1e3:9.2f} ms")
    print(f"  official loop in plain Python      {python_time * 1e3:9.1f} ms")
    print("  all paths identical: yes")


if __name__ == "__main__":
    main()
