"""Sample inputs for embedding, one_hot, instance_avg_pool and boundary_map (format: see
cases_core.py). The instance-map references are written by hand with torch ops, following
pix2pixHD (models/networks.py Encoder's instance-wise pooling, models/pix2pixHD_model.py
get_edges)."""
import torch
import torch.nn.functional as F


def ids(shape, hi):
    return {"shape": shape, "kind": "int", "hi": hi}


def inst_pool(x, inst):
    """Per image, each pixel gets the per-channel mean of its instance's pixels."""
    rows = []
    for b in range(x.shape[0]):
        acc = torch.zeros_like(x[b])
        for i in torch.unique(inst[b]):
            m = (inst[b] == i).to(x.dtype)  # [1, H, W]
            acc = acc + m * ((x[b] * m).sum(dim=(1, 2), keepdim=True) / m.sum())
        rows.append(acc)
    return torch.stack(rows)


def get_edges(t):
    edge = torch.zeros(t.shape, dtype=torch.bool)
    edge[:, :, :, 1:] |= t[:, :, :, 1:] != t[:, :, :, :-1]
    edge[:, :, :, :-1] |= t[:, :, :, 1:] != t[:, :, :, :-1]
    edge[:, :, 1:, :] |= t[:, :, 1:, :] != t[:, :, :-1, :]
    edge[:, :, :-1, :] |= t[:, :, 1:, :] != t[:, :, :-1, :]
    return edge.to(t.dtype)


CASES = [
    dict(name="embedding", op="embedding", inputs=[ids([2, 3], 5), [5, 4]], grad=[False, True],
         fn=lambda i, w: F.embedding(i.long(), w)),
    dict(name="embedding_repeated", op="embedding",
         inputs=[{"shape": [5], "kind": "values", "values": [0, 2, 0, 0, 2]}, [3, 2]], grad=[False, True],
         fn=lambda i, w: F.embedding(i.long(), w), gradgradcheck=True),
    dict(name="one_hot", op="one_hot", inputs=[ids([2, 1, 3, 4], 5)], grad=[False], args={"num_classes": 5},
         fn=lambda t, num_classes: F.one_hot(t.long()[:, 0], num_classes).permute(0, 3, 1, 2).to(t.dtype),
         gradcheck=False),
    dict(name="instance_avg_pool", op="instance_avg_pool", inputs=[[2, 3, 5, 6], ids([2, 1, 5, 6], 4)],
         grad=[True, False], fn=inst_pool, gradgradcheck=True),
    dict(name="instance_avg_pool_sparse_ids", op="instance_avg_pool",
         inputs=[[1, 2, 3, 3], {"shape": [1, 1, 3, 3], "kind": "values",
                                "values": [26001, 26001, 7, 7, 26001, 7, 33000, 33000, 7]}],
         grad=[True, False], fn=inst_pool),
    dict(name="boundary_map", op="boundary_map", inputs=[ids([2, 1, 5, 6], 3)], grad=[False],
         fn=get_edges, gradcheck=False),
    dict(name="boundary_map_thin", op="boundary_map",
         inputs=[{"shape": [1, 1, 1, 5], "kind": "values", "values": [1, 1, 2, 2, 2]}], grad=[False],
         fn=get_edges, gradcheck=False),
]
