"""Wall time and real-time factor of our mel models and vocoders against the official code.

    .venv/bin/python benchmarks/speed_models.py [--repeats 3] [--threads 2] [--only NAME]

Every model is built at its full official config (``engine/resources/configs/``) with random weights
(``torch.manual_seed(0)``), in eval mode under ``torch.inference_mode()``, and timed on CPU in
float32 as the official figures in ``perf.json`` were: the median of ``--repeats`` runs after
one warm-up, for 430 mel frames = 110 080 samples = 4.992 s of audio at 22 050 Hz.

- ``glow-tts``: base.json text→mel, 121 tokens; the encoder and duration predictor run, then
  their durations are replaced by 67×4 + 54×3 = 430 frames (store_inverse, noise 0.667).
- ``grad-tts-enc``: params_ljspeech encoder + duration predictor on 121 tokens.
- ``grad-tts-10`` / ``grad-tts-50``: the reverse diffusion of 430 frames (padded to 432).
- ``hifigan-v1`` / ``hifigan-v3``: config_v1 / config_v3 generators, weight norm removed.
- ``waveglow``: config.json, weight norm removed, sigma 0.6.

Prints one row per model: our median wall seconds, our RTF (seconds per second of audio), the
official median from ``$GLOTTIS_PARITY_DIR/perf.json`` (default ``../shared/parity/``; "n/a"
when absent), the ratio ours / official (the goal is at most 0.7), our median process CPU
seconds beside the official ones, and "others": how many cores other processes kept busy
during our runs. The official figures were taken on an idle machine; a row with "others" well
above 0.1 was measured under contention (with 2 threads, one busy core can make every op many
times slower) and should be measured again. Ours run on eager PyTorch on the CPU, with the
oneDNN primitive cache as ``engine`` sets it (the header says which).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from engine.models.glow_tts import build_glow_tts
from engine.models.grad_tts import build_grad_tts
from engine.models.hifigan import build_hifigan
from engine.models.waveglow import build_waveglow
from engine.package_data import resource  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CONFIGS = resource("configs")
N_FRAMES = 430
HOP = 256
SAMPLE_RATE = 22050
AUDIO_SECONDS = N_FRAMES * HOP / SAMPLE_RATE
N_TOKENS = 121
FORCED_DURATIONS = [4] * 67 + [3] * 54  # 430 frames, as perf.json forces them
GOAL = 0.7
CONTENDED = 0.1
"""Cores kept busy by other processes above which a row's timing is not comparable."""

Run = Callable[[], object]


@dataclass(frozen=True)
class Benchmark:
    """One timed model: its name on the command line, the start of its official figure's
    name in perf.json, and a function building the model and returning one run."""

    name: str
    official: str
    prepare: Callable[[], Run]


def load_config(*parts: str) -> dict:
    return json.loads(CONFIGS.joinpath(*parts).read_text())


def random_tokens(n_vocab: int) -> tuple[Tensor, Tensor]:
    """A batch of one sequence of ``N_TOKENS`` random ids (no padding id 0) and its length."""
    generator = torch.Generator().manual_seed(0)
    tokens = torch.randint(1, n_vocab, (1, N_TOKENS), generator=generator)
    return tokens, torch.tensor([N_TOKENS])


def random_mel(n_frames: int = N_FRAMES) -> Tensor:
    return torch.randn(1, 80, n_frames, generator=torch.Generator().manual_seed(0))


def forced_durations() -> Tensor:
    return torch.tensor([FORCED_DURATIONS])


def prepare_glow_tts() -> Run:
    model = build_glow_tts(load_config("glow-tts", "base.json")).eval()
    model.store_inverse()
    tokens, lengths = random_tokens(model.encoder.emb.num_embeddings)

    def run() -> Tensor:
        x_m, x_logs, logw, x_mask = model.encode_text(tokens, lengths)
        model.scale_durations(logw, x_mask)  # the official path computes them; then forced
        z_m, z_logs, z_mask, _ = model.expand_to_frames(x_m, x_logs, x_mask, forced_durations())
        return model.decode(z_m, z_logs, z_mask, torch.randn_like(z_m), 0.667, None)

    return run


def build_grad_tts_model():
    return build_grad_tts(load_config("grad-tts", "params_ljspeech.json")).eval()


def prepare_grad_tts_encoder() -> Run:
    model = build_grad_tts_model()
    tokens, lengths = random_tokens(model.encoder.emb.num_embeddings)

    def run() -> Tensor:
        _, logw, x_mask = model.encode_text(tokens, lengths)
        return model.predicted_durations(logw, x_mask)

    return run


def prepare_grad_tts_decoder(n_timesteps: int) -> Callable[[], Run]:
    def prepare() -> Run:
        model = build_grad_tts_model()
        tokens, lengths = random_tokens(model.encoder.emb.num_embeddings)
        mu_x, _, x_mask = model.encode_text(tokens, lengths)
        mu_y, y_mask, _, _ = model.expand_to_frames(mu_x, x_mask, forced_durations())
        if mu_y.size(2) != 432:
            raise RuntimeError(f"expected 432 padded frames, got {mu_y.size(2)}")
        return lambda: model.decode(mu_y, y_mask, n_timesteps=n_timesteps)

    return prepare


def prepare_hifigan(config_name: str) -> Callable[[], Run]:
    def prepare() -> Run:
        model = build_hifigan(load_config("hifi-gan", config_name))
        model.remove_weight_norm()
        mel = random_mel()
        return lambda: model(mel)

    return prepare


def prepare_waveglow() -> Run:
    model = build_waveglow(load_config("waveglow", "config.json")).remove_weightnorm()
    mel = random_mel()
    return lambda: model.infer(mel, sigma=0.6)


BENCHMARKS = [
    Benchmark("glow-tts", "Glow-TTS base text->mel", prepare_glow_tts),
    Benchmark("grad-tts-enc", "Grad-TTS encoder+duration", prepare_grad_tts_encoder),
    Benchmark(
        "grad-tts-10",
        "Grad-TTS decoder reverse diffusion n_timesteps=10",
        prepare_grad_tts_decoder(10),
    ),
    Benchmark(
        "grad-tts-50",
        "Grad-TTS decoder reverse diffusion n_timesteps=50",
        prepare_grad_tts_decoder(50),
    ),
    Benchmark("hifigan-v1", "HiFi-GAN V1", prepare_hifigan("config_v1.json")),
    Benchmark("hifigan-v3", "HiFi-GAN V3", prepare_hifigan("config_v3.json")),
    Benchmark("waveglow", "WaveGlow", prepare_waveglow),
]


@dataclass(frozen=True)
class Official:
    """An official figure of perf.json: median wall and process CPU seconds."""

    seconds: float
    cpu_seconds: float | None


def official_figures() -> dict[str, Official]:
    """Official figures by result name, from perf.json; empty when it is absent."""
    default = REPO.parent / "shared" / "parity"
    path = Path(os.environ.get("GLOTTIS_PARITY_DIR", default)) / "perf.json"
    if not path.is_file():
        return {}
    results = json.loads(path.read_text()).get("results", [])
    return {
        entry["name"]: Official(float(entry["median_s"]), entry.get("cpu_s_median"))
        for entry in results
    }


def official_figure(figures: dict[str, Official], prefix: str) -> Official | None:
    return next((f for name, f in figures.items() if name.startswith(prefix)), None)


def busy_cpu_seconds() -> float:
    """CPU seconds all processes of the machine have spent so far (``/proc/stat``); 0 where
    it cannot be read."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass(frozen=True)
class Timing:
    """Median wall and process CPU seconds, and how many cores other processes kept busy
    meanwhile (a figure far above 0 means the row was measured on a shared, busy machine)."""

    seconds: float
    cpu_seconds: float
    others_cores: float


def time_runs(run: Run, repeats: int) -> Timing:
    """Median wall and CPU time of ``repeats`` runs after one warm-up."""
    run()
    times, cpu_times = [], []
    machine, own = busy_cpu_seconds(), own_cpu_seconds()
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), own_cpu_seconds()
        run()
        times.append(time.perf_counter() - started)
        cpu_times.append(own_cpu_seconds() - cpu_started)
    others = (busy_cpu_seconds() - machine) - (own_cpu_seconds() - own)
    return Timing(
        statistics.median(times), statistics.median(cpu_times), max(0.0, others) / sum(times)
    )


def format_row(name: str, ours: Timing, official: Official | None) -> str:
    seconds = ours.seconds
    if official is None:
        theirs = ratio = verdict = their_cpu = "n/a"
    else:
        ratio_value = seconds / official.seconds
        theirs, ratio = f"{official.seconds:.3f}", f"{ratio_value:.2f}"
        verdict = "ok" if ratio_value <= GOAL else "SLOW"
        their_cpu = "n/a" if official.cpu_seconds is None else f"{official.cpu_seconds:.3f}"
    return (
        f"{name:<14}{seconds:>10.3f}{seconds / AUDIO_SECONDS:>8.3f}{theirs:>11}{ratio:>8}"
        f"{ours.cpu_seconds:>9.3f}{their_cpu:>9}{ours.others_cores:>8.2f}  {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", choices=[b.name for b in BENCHMARKS])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    figures = official_figures()
    chosen = [b for b in BENCHMARKS if args.only in (None, b.name)]
    busiest = 0.0

    cache = os.environ.get("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "default")
    print(
        f"{AUDIO_SECONDS:.3f} s of audio ({N_FRAMES} frames), {args.threads} threads, "
        f"median of {args.repeats} after 1 warm-up; goal ours/official <= {GOAL}\n"
        f"ours: eager PyTorch {torch.__version__} on the CPU, "
        f"ONEDNN_PRIMITIVE_CACHE_CAPACITY={cache}; official: perf.json (idle machine)"
    )
    print(
        f"{'model':<14}{'ours s':>10}{'RTF':>8}{'official s':>11}{'ratio':>8}"
        f"{'cpu s':>9}{'off cpu':>9}{'others':>8}"
    )
    for benchmark in chosen:
        torch.manual_seed(0)
        with torch.no_grad():  # weights stay ordinary tensors, as after loading a checkpoint
            run = benchmark.prepare()
        with torch.inference_mode():
            ours = time_runs(run, args.repeats)
        print(
            format_row(benchmark.name, ours, official_figure(figures, benchmark.official)),
            flush=True,
        )
        busiest = max(busiest, ours.others_cores)
    if busiest > CONTENDED:
        print(
            f"caveat: other processes kept up to {busiest:.2f} cores busy during these runs; "
            "the official figures were taken on an idle machine, so these ratios overstate "
            "ours: measure again when the machine is idle."
        )


if __name__ == "__main__":
    main()
