"""Sample inputs for concat / stack / split / chunk (format: see cases_core.py). split and chunk
return lists: the C++ op and the reference scale piece i by (i + 1) and concatenate the pieces
back, so each piece's position and gradient is checked."""
import torch


def scaled_cat(pieces, dim):
    return torch.cat([p * (i + 1) for i, p in enumerate(pieces)], dim)


CASES = [
    dict(name="concat_dim1", op="concat", inputs=[[2, 3, 4], [2, 1, 4], [2, 2, 4]], args={"dim": 1},
         fn=lambda a, b, c, dim: torch.cat([a, b, c], dim), gradgradcheck=True),
    dict(name="concat_last", op="concat", inputs=[[3, 2], [3, 5]], args={"dim": -1},
         fn=lambda a, b, dim: torch.cat([a, b], dim)),
    dict(name="concat_dim0_one_frozen", op="concat", inputs=[[1, 4], [3, 4]], args={"dim": 0},
         grad=[False, True], fn=lambda a, b, dim: torch.cat([a, b], dim)),
    dict(name="stack_dim0", op="stack", inputs=[[2, 3], [2, 3], [2, 3]], args={"dim": 0},
         fn=lambda a, b, c, dim: torch.stack([a, b, c], dim)),
    dict(name="stack_last", op="stack", inputs=[[3, 2], [3, 2]], args={"dim": -1},
         fn=lambda a, b, dim: torch.stack([a, b], dim)),
    dict(name="split_uneven", op="split", inputs=[[3, 5, 2]], args={"size": 2, "dim": 1},
         fn=lambda x, size, dim: scaled_cat(torch.split(x, size, dim), dim), gradgradcheck=True),
    dict(name="split_last", op="split", inputs=[[2, 6]], args={"size": 3, "dim": -1},
         fn=lambda x, size, dim: scaled_cat(torch.split(x, size, dim), dim)),
    dict(name="chunk_uneven", op="chunk", inputs=[[7, 2]], args={"n": 3, "dim": 0},
         fn=lambda x, n, dim: scaled_cat(torch.chunk(x, n, dim), dim)),
    dict(name="chunk_more_than_size", op="chunk", inputs=[[2, 3]], args={"n": 5, "dim": 1},
         fn=lambda x, n, dim: scaled_cat(torch.chunk(x, n, dim), dim)),
]
