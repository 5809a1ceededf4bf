"""Command line of the language models; runs alone or under ``torchrun``.

Figure 8's command lives with the other commands (``python -m collapse_lib fig8``, also under
``torchrun``). This one is a short training run (used by the tests to check DDP; each rank writes
``rank<r>.json`` with its per-step losses and a parameter checksum)::

    torchrun --nproc_per_node=2 -m collapse_lib.lm train --steps 3 --device cpu --out /tmp/ddp
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ..cmdline import Parser, nonnegative_int, positive_float, positive_int, run
from ..device import resolve_device
from ..fileio import atomic_write, writable_dir
from . import ddp


def _train_cmd(args) -> int:
    from .corpus import concat, token_documents
    from .model import GPTConfig
    from .story_content import default_grammar, sample_stories
    from .tokenizer import WordTokenizer
    from .train import TrainConfig, train

    if args.out:
        writable_dir("--out", args.out)
    resolve_device(args.device)
    dev = ddp.setup(args.device)
    tok = WordTokenizer.from_grammar(default_grammar())
    n = args.steps * args.batch * args.context + 1
    words, _ = sample_stories(max(4, n // 40), args.seed)
    stream = concat(token_documents(words, tok), n)
    held, _ = sample_stories(8, args.seed + 1)
    eval_stream = concat(token_documents(held, tok))
    mcfg = GPTConfig(tok.vocab_size, args.context, args.depth, args.width, args.heads)
    tcfg = TrainConfig(
        steps=args.steps,
        batch_size=args.batch,
        lr=args.lr,
        warmup=1,
        eval_steps=tuple(range(1, args.steps + 1)),
        eval_batch=8,
    )
    r = train(mcfg, stream, tcfg, eval_stream, device=dev, seed=args.seed, progress=False, label="cli")
    checksum = float(sum(p.detach().double().sum() for p in r.model.parameters()))
    if args.out:
        atomic_write(
            Path(args.out) / f"rank{ddp.rank()}.json",
            json.dumps(
                dict(
                    rank=ddp.rank(),
                    world=ddp.world_size(),
                    train_loss=r.history.train_loss.tolist(),
                    eval_loss=r.history.eval_loss.tolist(),
                    checksum=checksum,
                )
            ),
        )
    ddp.teardown()
    return 0


def main(argv=None) -> int:
    parser = Parser(prog="python -m collapse_lib.lm", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="a short training run on grammar stories (DDP check)")
    tr.add_argument("--steps", type=positive_int, default=3)
    tr.add_argument("--batch", type=positive_int, default=4)
    tr.add_argument("--context", type=positive_int, default=16)
    tr.add_argument("--depth", type=positive_int, default=1)
    tr.add_argument("--width", type=positive_int, default=16)
    tr.add_argument("--heads", type=positive_int, default=2)
    tr.add_argument("--lr", type=positive_float, default=3e-3)
    tr.add_argument("--seed", type=nonnegative_int, default=0)
    tr.add_argument("--device", default="cpu")
    tr.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    torch.set_float32_matmul_precision("high")
    return run(parser.prog, lambda: _train_cmd(args))


if __name__ == "__main__":
    raise SystemExit(main())
