"""Distributed data parallel helpers: the same code runs alone or under ``torchrun``.

Under ``torchrun --nproc_per_node=N`` every process has ``RANK``,
``WORLD_SIZE`` and ``LOCAL_RANK`` in its environment. :func:`setup` starts the
process group with NCCL when the device is CUDA (one GPU per process,
``cuda:LOCAL_RANK``) and gloo on CPU. Each rank trains on its own slice of
every global batch; DistributedDataParallel averages the gradients, so N ranks
with per-rank batch B/N take the same steps as one process with batch B.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from ..device import resolve_device


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def setup(device="auto") -> torch.device:
    """Start the process group if launched by ``torchrun`` (``WORLD_SIZE`` > 1); return this rank's device.

    Backend: ``nccl`` for CUDA, ``gloo`` for CPU. Without ``torchrun`` this
    only resolves ``device``.
    """
    dev = resolve_device(device)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        if dev.type == "cuda":
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            dev = torch.device("cuda", local)
        dist.init_process_group(backend="nccl" if dev.type == "cuda" else "gloo")
    elif dist.is_initialized() and dev.type == "cuda":
        dev = torch.device("cuda", torch.cuda.current_device())
    return dev


def teardown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def all_reduce_sum(t: torch.Tensor) -> torch.Tensor:
    """Sum of ``t`` over ranks (``t`` itself when not distributed)."""
    if is_distributed():
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t


def barrier() -> None:
    if is_distributed():
        dist.barrier()


def broadcast_object(obj, src: int = 0):
    """``obj`` from rank ``src`` on every rank."""
    if not is_distributed():
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]
