"""A minimal undirected road graph in metres, shared by network statistics.

The road network of an area as three arrays — each edge joins node ``u[i]`` and ``v[i]``
and is ``length[i]`` metres long — plus the number of nodes. A place on the network is an
``(edge, offset)`` pair: ``offset`` metres from ``u`` along the edge. Network kernel
density, network-distance clustering and snapping all speak this form, so none of them
depends on how the area was built.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.sparse import csr_matrix

from ._errors import ArgumentError

__all__ = ["EdgeGraph"]


@dataclass(frozen=True, eq=False)
class EdgeGraph:
    """An undirected graph with edge lengths in metres.

    Parameters
    ----------
    u, v
        End nodes of each edge (ints in ``0 .. n_nodes - 1``); ``u == v`` is a loop.
    length
        Length of each edge in metres (> 0).
    n_nodes
        Number of nodes.

    Examples
    --------
    >>> g = EdgeGraph(np.array([0, 1]), np.array([1, 2]), np.array([10.0, 5.0]), 3)
    >>> g.degree.tolist()
    [1, 2, 1]
    >>> g.csr.toarray().tolist()
    [[0.0, 10.0, 0.0], [10.0, 0.0, 5.0], [0.0, 5.0, 0.0]]
    """

    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    n_nodes: int

    def __post_init__(self) -> None:
        u, v = np.asarray(self.u, np.int64), np.asarray(self.v, np.int64)
        length = np.asarray(self.length, float)
        if not (len(u) == len(v) == len(length)):
            raise ArgumentError("u, v and length must have the same length")
        if len(u) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= self.n_nodes):
            raise ArgumentError("node ids must lie in 0 .. n_nodes - 1")
        if (length <= 0).any() or not np.isfinite(length).all():
            raise ArgumentError("edge lengths must be positive and finite")
        object.__setattr__(self, "u", u)
        object.__setattr__(self, "v", v)
        object.__setattr__(self, "length", length)

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.u)

    @cached_property
    def degree(self) -> np.ndarray:
        """Number of edge ends at each node (a loop counts twice)."""
        return np.bincount(np.concatenate([self.u, self.v]), minlength=self.n_nodes)

    @cached_property
    def csr(self) -> csr_matrix:
        """Symmetric node × node matrix of the shortest edge between each pair of nodes."""
        keep = self.u != self.v
        order = np.argsort(-self.length[keep])  # later (shorter) entries win on duplicates
        u, v, w = self.u[keep][order], self.v[keep][order], self.length[keep][order]
        rows, cols = np.concatenate([u, v]), np.concatenate([v, u])
        vals = np.concatenate([w, w])
        m = csr_matrix((self.n_nodes, self.n_nodes))
        if len(rows):
            # keep the minimum over parallel edges
            key = rows * self.n_nodes + cols
            first = np.unique(key[::-1], return_index=True)[1]
            idx = len(key) - 1 - first
            m = csr_matrix((vals[idx], (rows[idx], cols[idx])), shape=(self.n_nodes, self.n_nodes))
        return m
