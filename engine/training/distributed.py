"""DistributedDataParallel under ``torchrun``: the process group from the environment.

``torchrun --nproc_per_node=N -m engine.training.cli ...`` sets ``WORLD_SIZE``, ``RANK`` and
``LOCAL_RANK``; each process then trains on its shard of every epoch (DistributedSampler)
and DDP averages the gradients. Only rank 0 writes files and reports samples. Without
those variables (the studio, a plain ``glottis train``) everything runs in this process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


@dataclass
class Distributed:
    """This process's place in the run: rank, world size, local rank."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    owns_group: bool = False

    @classmethod
    def from_environment(cls) -> Distributed:
        """Join the process group ``torchrun`` describes (NCCL on CUDA, else gloo); a single
        process when ``WORLD_SIZE`` is not set."""
        if "WORLD_SIZE" not in os.environ:
            return cls()
        world_size = int(os.environ["WORLD_SIZE"])
        rank = int(os.environ.get("RANK", 0))
        local_rank = int(os.environ.get("LOCAL_RANK", 0))
        owns = False
        if world_size > 1 and not dist.is_initialized():
            backend = "nccl" if torch.cuda.is_available() else "gloo"
            dist.init_process_group(backend, rank=rank, world_size=world_size)
            owns = True
        return cls(rank, world_size, local_rank, owns)

    @property
    def active(self) -> bool:
        return self.world_size > 1 and dist.is_initialized()

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def device(self, requested: str | None) -> torch.device:
        """The device of this process: ``cuda:LOCAL_RANK`` when CUDA is there and wanted."""
        if requested not in (None, "auto", "cuda") and not str(requested).startswith("cuda"):
            return torch.device(requested)
        if torch.cuda.is_available():
            index = self.local_rank if self.world_size > 1 else torch.cuda.current_device()
            return torch.device("cuda", index)
        if requested is not None and str(requested).startswith("cuda"):
            raise ValueError("CUDA was asked for but no CUDA device is available")
        return torch.device("cpu")

    def wrap(self, module: nn.Module, device: torch.device) -> nn.Module:
        """``module`` in DistributedDataParallel when the run is distributed."""
        if not self.active:
            return module
        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids)

    def any(self, flag: bool, device: torch.device) -> bool:
        """True on every rank when ``flag`` is true on any (cancel and failure agree)."""
        if not self.active:
            return flag
        value = torch.tensor([1.0 if flag else 0.0], device=device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item() > 0)

    def close(self) -> None:
        if self.owns_group and dist.is_initialized():
            dist.destroy_process_group()
