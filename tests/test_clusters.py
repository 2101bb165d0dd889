"""Density clusters: haversine DBSCAN/HDBSCAN, network distances and DBSCAN, outlines."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from trafficprev._graph import EdgeGraph
from trafficprev.coords import haversine_m, metric_crs
from trafficprev.hotspots._clusters import (
    HDBSCAN_MAX_POINTS,
    cluster_outlines,
    dbscan_haversine,
    dbscan_network,
    hdbscan_haversine,
    network_distances,
)

R = 6371008.8
LON0, LAT0 = 111.70, 29.03  # Changde


def offset_point(lon, lat, north_m=0.0, east_m=0.0):
    """A point exactly `north_m` north or `east_m` east of (lon, lat) on the sphere."""
    lat2 = lat + math.degrees(north_m / R)
    dlon = 2 * math.asin(math.sin(abs(east_m) / (2 * R)) / math.cos(math.radians(lat2)))
    return lon + math.copysign(math.degrees(dlon), east_m), lat2


def blobs(rng, centres_m, n_per, sd_m, n_noise=0, box_m=20_000):
    """Gaussian blobs around centres given in metres east/north of (LON0, LAT0)."""
    m_lat = math.radians(1) * R
    m_lon = m_lat * math.cos(math.radians(LAT0))
    xs, ys, truth = [], [], []
    for k, (cx, cy) in enumerate(centres_m):
        xs.append(cx + rng.normal(0, sd_m, n_per))
        ys.append(cy + rng.normal(0, sd_m, n_per))
        truth += [k] * n_per
    if n_noise:
        xs.append(rng.uniform(-box_m, box_m, n_noise))
        ys.append(rng.uniform(-box_m, box_m, n_noise))
        truth += [-1] * n_noise
    x, y = np.concatenate(xs), np.concatenate(ys)
    return LON0 + x / m_lon, LAT0 + y / m_lat, np.array(truth)


def same_partition(a, b):
    """True when the labelings group points identically (noise must match noise)."""
    a, b = np.asarray(a), np.asarray(b)
    if not np.array_equal(a < 0, b < 0):
        return False
    pairs = {(int(i), int(j)) for i, j in zip(a[a >= 0], b[b >= 0], strict=True)}
    return len(pairs) == len({p[0] for p in pairs}) == len({p[1] for p in pairs})


# ---------------------------------------------------------------------------------------
# haversine DBSCAN


def test_offset_point_is_exact():
    for d in (199.0, 201.0):
        lon, lat = offset_point(LON0, LAT0, north_m=d)
        assert haversine_m(LON0, LAT0, lon, lat) == pytest.approx(d, abs=1e-6)
        lon, lat = offset_point(LON0, LAT0, east_m=d)
        assert haversine_m(LON0, LAT0, lon, lat) == pytest.approx(d, abs=1e-6)


@pytest.mark.parametrize("margin", [1.0, 0.1])
@pytest.mark.parametrize("direction", ["north_m", "east_m"])
def test_eps_is_in_metres(direction, margin):
    near = offset_point(LON0, LAT0, **{direction: 200.0 - margin})
    far = offset_point(LON0, LAT0, **{direction: 200.0 + margin})
    lab = dbscan_haversine([LON0, near[0]], [LAT0, near[1]], eps_m=200, min_samples=2)
    assert lab.tolist() == [0, 0]
    lab = dbscan_haversine([LON0, far[0]], [LAT0, far[1]], eps_m=200, min_samples=2)
    assert lab.tolist() == [-1, -1]


def test_planted_blobs_are_found():
    rng = np.random.default_rng(1)
    centres = [(0, 0), (3000, 500), (-2500, 4000)]
    lon, lat, truth = blobs(rng, centres, 25, 25.0, n_noise=30)
    lab = dbscan_haversine(lon, lat, eps_m=150, min_samples=4)
    assert same_partition(lab[truth >= 0], truth[truth >= 0])
    assert (lab[truth < 0] == -1).mean() > 0.9
    # ids by westmost core point: the blob at -2500 m east is 0, then 0 m, then 3000 m
    assert [lab[truth == k][0] for k in (2, 0, 1)] == [0, 1, 2]


def test_duplicates_are_neighbours_and_weights_count():
    lon, lat = [LON0] * 3 + [LON0 + 0.1], [LAT0] * 3 + [LAT0]
    assert dbscan_haversine(lon, lat, eps_m=50, min_samples=3).tolist() == [0, 0, 0, -1]
    # one row carrying a count of 3 is a core point by itself
    lab = dbscan_haversine([LON0, LON0 + 0.1], [LAT0, LAT0], min_samples=3, weights=[3, 1])
    assert lab.tolist() == [0, -1]


def test_labels_do_not_depend_on_input_order():
    rng = np.random.default_rng(7)
    # a field near the density threshold: many clusters and contested border points
    n = 400
    lon, lat, _ = blobs(rng, [], 0, 0.0, n_noise=n, box_m=1500)
    base = dbscan_haversine(lon, lat, eps_m=120, min_samples=5)
    assert base.max() >= 2  # several clusters
    for seed in range(5):
        perm = np.random.default_rng(seed).permutation(n)
        lab = dbscan_haversine(lon[perm], lat[perm], eps_m=120, min_samples=5)
        np.testing.assert_array_equal(lab, base[perm])


def test_border_points_join_nearest_core():
    rng = np.random.default_rng(3)
    lon, lat, _ = blobs(rng, [], 0, 0.0, n_noise=300, box_m=1200)
    eps, k = 120.0, 5
    lab = dbscan_haversine(lon, lat, eps_m=eps, min_samples=k)
    d = haversine_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    core = (d <= eps).sum(axis=1) >= k
    border = (lab >= 0) & ~core
    assert border.any()
    for i in np.flatnonzero(border):
        dist = np.where(core, d[i], np.inf)
        nearest = np.flatnonzero(dist == dist.min())
        assert lab[i] == min(lab[nearest])
    # no core point is noise, and noise points have no core neighbour
    assert (lab[core] >= 0).all()
    noise = lab < 0
    assert not ((d[noise][:, core] <= eps).any())


def test_dbscan_rejects_bad_input():
    with pytest.raises(ValueError, match="missing or out of range"):
        dbscan_haversine([LON0, np.nan], [LAT0, LAT0])
    with pytest.raises(ValueError, match="differ in length"):
        dbscan_haversine([LON0], [LAT0, LAT0])
    with pytest.raises(ValueError, match="eps_m"):
        dbscan_haversine([LON0], [LAT0], eps_m=0)
    assert dbscan_haversine([], []).tolist() == []


# ---------------------------------------------------------------------------------------
# HDBSCAN


def test_hdbscan_finds_blobs_deterministically():
    rng = np.random.default_rng(2)
    centres = [(0, 0), (2000, 0), (0, 2500)]
    lon, lat, truth = blobs(rng, centres, 40, 40.0, n_noise=20, box_m=8000)
    lab = hdbscan_haversine(lon, lat, min_cluster_size=10)
    assert lab.max() == 2
    for k in range(3):
        values, counts = np.unique(lab[truth == k], return_counts=True)
        assert values[np.argmax(counts)] >= 0
        assert counts.max() >= 0.9 * 40
    majority = [np.bincount(lab[truth == k][lab[truth == k] >= 0]).argmax() for k in range(3)]
    assert sorted(majority) == [0, 1, 2]
    perm = rng.permutation(len(lon))
    np.testing.assert_array_equal(
        hdbscan_haversine(lon[perm], lat[perm], min_cluster_size=10), lab[perm]
    )


def test_hdbscan_refuses_large_inputs():
    assert HDBSCAN_MAX_POINTS == 50_000
    lon = np.full(11, LON0)
    with pytest.raises(ValueError, match="max_points"):
        hdbscan_haversine(lon, lon * 0 + LAT0, max_points=10)


# ---------------------------------------------------------------------------------------
# network distances


def small_graph():
    # 0-1-2-3 a path, 1-4-2 a detour, a parallel 2-3 edge, a dead end 3-5 and a loop at 5
    u = np.array([0, 1, 2, 1, 4, 2, 3, 5])
    v = np.array([1, 2, 3, 4, 2, 3, 5, 5])
    length = np.array([120.0, 80.0, 150.0, 60.0, 50.0, 100.0, 90.0, 70.0])
    return EdgeGraph(u, v, length, 6)


def nx_truth(graph, edge, offset, cutoff):
    """All-pairs network distances via networkx on the graph split at every place."""
    g = nx.MultiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    place_node = {}
    for e in range(graph.n_edges):
        idx = [i for i in range(len(edge)) if edge[i] == e]
        idx.sort(key=lambda i: offset[i])
        prev, prev_t = int(graph.u[e]), 0.0
        for i in idx:
            place_node[i] = ("p", i)
            g.add_edge(prev, ("p", i), weight=offset[i] - prev_t)
            prev, prev_t = ("p", i), offset[i]
        g.add_edge(prev, int(graph.v[e]), weight=graph.length[e] - prev_t)
    n = len(edge)
    out = np.full((n, n), np.inf)
    for i in range(n):
        d = nx.single_source_dijkstra_path_length(g, place_node[i], cutoff=cutoff)
        for j in range(n):
            out[i, j] = d.get(place_node[j], np.inf)
    return out


@pytest.mark.parametrize("cutoff", [0.0, 40.0, 130.0, 400.0])
def test_network_distances_match_networkx(cutoff):
    graph = small_graph()
    rng = np.random.default_rng(5)
    edge = rng.integers(0, graph.n_edges, 40)
    offset = np.round(rng.uniform(0, 1, 40) * graph.length[edge], 1)
    edge = np.r_[edge, edge[:3], 0, 0, 3]  # duplicates, edge ends, same-edge pairs
    offset = np.r_[offset, offset[:3], 0.0, 120.0, 60.0]
    dist = network_distances(graph, edge, offset, cutoff_m=cutoff)
    truth = nx_truth(graph, edge, offset, cutoff + 1.0)
    stored = np.zeros(truth.shape, dtype=bool)
    coo = dist.tocoo()
    stored[coo.row, coo.col] = True
    clear = np.abs(truth - cutoff) > 1e-6  # leave pairs at the cutoff to rounding
    np.testing.assert_array_equal(stored[clear], (truth <= cutoff)[clear])
    np.testing.assert_allclose(coo.data, truth[coo.row, coo.col], atol=1e-9)
    assert (dist != dist.T).nnz == 0
    # rows sorted by distance; the diagonal is stored
    for r in range(dist.shape[0]):
        row = dist.data[dist.indptr[r] : dist.indptr[r + 1]]
        assert np.all(np.diff(row) >= 0)
    assert stored.diagonal().all()


def test_network_distances_many_places_on_a_grid():
    # a 30 x 30 grid of 100 m blocks, 3000 places, compared with networkx on a sample
    k = 30
    node = np.arange(k * k).reshape(k, k)
    u = np.r_[node[:, :-1].ravel(), node[:-1, :].ravel()]
    v = np.r_[node[:, 1:].ravel(), node[1:, :].ravel()]
    graph = EdgeGraph(u, v, np.full(len(u), 100.0), k * k)
    rng = np.random.default_rng(0)
    edge = rng.integers(0, graph.n_edges, 3000)
    offset = rng.uniform(0, 100, 3000)
    dist = network_distances(graph, edge, offset, cutoff_m=250)
    sample = rng.choice(3000, 12, replace=False)
    g = nx.Graph()
    for e in range(graph.n_edges):
        g.add_edge(int(u[e]), int(v[e]), weight=100.0)
    dense = dist[sample].toarray()
    for row, i in enumerate(sample):
        # distances from place i through its two end nodes (or along its edge)
        du = nx.single_source_dijkstra_path_length(g, int(u[edge[i]]), cutoff=250)
        dv = nx.single_source_dijkstra_path_length(g, int(v[edge[i]]), cutoff=250)
        for j in range(3000):
            best = math.inf
            for a_node, a_d in ((u[edge[i]], offset[i]), (v[edge[i]], 100 - offset[i])):
                table = du if a_node == u[edge[i]] else dv
                for b_node, b_d in ((u[edge[j]], offset[j]), (v[edge[j]], 100 - offset[j])):
                    if int(b_node) in table:
                        best = min(best, a_d + table[int(b_node)] + b_d)
            if edge[i] == edge[j]:
                best = min(best, abs(offset[i] - offset[j]))
            if best <= 250:
                assert dense[row, j] == pytest.approx(best, abs=1e-9)
            else:
                assert dist[i, j] == 0 and (dist[i].indices != j).all()


def test_network_distances_cutoff_is_inclusive():
    graph = EdgeGraph(np.array([0, 1]), np.array([1, 2]), np.array([100.0, 100.0]), 3)
    edge, offset = [0, 1, 0], [30.0, 30.0, 80.0]  # 100 m through node 1; 50 m along edge 0
    assert network_distances(graph, edge, offset, cutoff_m=100)[0, 1] == 100.0
    assert network_distances(graph, edge, offset, cutoff_m=50)[0, 2] == 50.0
    d = network_distances(graph, edge, offset, cutoff_m=99.5)
    assert d[0].indices.tolist() == [0, 2]


def test_network_distances_reject_bad_places():
    graph = small_graph()
    with pytest.raises(ValueError, match="edge indices"):
        network_distances(graph, [99], [0.0], cutoff_m=10)
    with pytest.raises(ValueError, match="offsets"):
        network_distances(graph, [0], [500.0], cutoff_m=10)
    assert network_distances(graph, [], [], cutoff_m=10).shape == (0, 0)


# ---------------------------------------------------------------------------------------
# network DBSCAN


def test_network_dbscan_separates_parallel_dead_ends():
    # two 1 km dead ends leave junction 0 side by side; their far ends are 10 m apart in
    # the plane but 2 km apart along the network
    graph = EdgeGraph(np.array([0, 0]), np.array([1, 2]), np.array([1000.0, 1000.0]), 3)
    edge = np.array([0, 0, 0, 1, 1, 1])
    offset = np.array([990.0, 995.0, 1000.0, 990.0, 995.0, 1000.0])
    lab = dbscan_network(graph, edge, offset, eps_m=200, min_samples=3)
    assert lab.tolist() == [0, 0, 0, 1, 1, 1]
    # the same cases seen in the plane (the roads 10 m apart) form one cluster
    lon = [LON0] * 3 + [offset_point(LON0, LAT0, east_m=10)[0]] * 3
    lat = [offset_point(LON0, LAT0, north_m=t)[1] for t in offset]
    assert set(dbscan_haversine(lon, lat, eps_m=200, min_samples=3)) == {0}


def test_network_dbscan_counts_identical_places():
    graph = small_graph()
    lab = dbscan_network(graph, [2, 2, 2, 6], [75.0, 75.0, 75.0, 10.0], eps_m=5, min_samples=3)
    assert lab.tolist() == [0, 0, 0, -1]
    # across an end node: offsets at the ends of edges 0 and 1 meet at node 1
    lab = dbscan_network(graph, [0, 0, 1], [120.0, 118.0, 0.0], eps_m=5, min_samples=3)
    assert lab.tolist() == [0, 0, 0]


def test_network_dbscan_labels_do_not_depend_on_order():
    graph = small_graph()
    rng = np.random.default_rng(11)
    edge = rng.integers(0, graph.n_edges, 120)
    offset = rng.uniform(0, 1, 120) * graph.length[edge]
    base = dbscan_network(graph, edge, offset, eps_m=25, min_samples=4)
    assert base.max() >= 1
    for seed in range(4):
        perm = np.random.default_rng(seed).permutation(120)
        lab = dbscan_network(graph, edge[perm], offset[perm], eps_m=25, min_samples=4)
        np.testing.assert_array_equal(lab, base[perm])
    # ids follow the smallest (edge, offset) core place
    core_keys = [
        min((edge[i], offset[i]) for i in np.flatnonzero(base == c)) for c in range(base.max() + 1)
    ]
    assert core_keys == sorted(core_keys)


# ---------------------------------------------------------------------------------------
# outlines


def test_outlines_contain_members_and_weights():
    rng = np.random.default_rng(4)
    lon, lat, truth = blobs(rng, [(0, 0), (4000, 0)], 15, 30.0)
    single = offset_point(LON0, LAT0, north_m=-3000)
    pair_a = offset_point(LON0, LAT0, east_m=-3000)
    pair_b = offset_point(pair_a[0], pair_a[1], east_m=40)
    lon = np.r_[lon, single[0], pair_a[0], pair_b[0], LON0 + 0.2]
    lat = np.r_[lat, single[1], pair_a[1], pair_b[1], LAT0]
    labels = np.r_[truth, 2, 3, 3, -1]
    w = np.r_[np.full(30, 1.5), 3.0, 1.0, 1.0, 9.0]
    out = cluster_outlines(lon, lat, labels, buffer_m=30, weights=w)
    assert out.crs.to_epsg() == 4326
    assert out["cluster_id"].tolist() == [0, 1, 2, 3]
    assert out["n_cases"].tolist() == [22.5, 22.5, 3.0, 2.0]
    for cid, geom in zip(out["cluster_id"], out.geometry, strict=True):
        members = shapely.points(lon[labels == cid], lat[labels == cid])
        assert shapely.contains(geom, members).all()
        assert not shapely.contains(geom, shapely.points(LON0 + 0.2, LAT0))
    # one point: a 30 m disc; two points 40 m apart: a capsule; areas in metres
    utm = out.to_crs(metric_crs(lon, lat))
    assert utm.geometry.iloc[2].area == pytest.approx(math.pi * 30**2, rel=0.01)
    assert utm.geometry.iloc[3].area == pytest.approx(math.pi * 30**2 + 40 * 60, rel=0.01)
    # the centre is the member mean
    fwd = Transformer.from_crs("EPSG:4326", metric_crs(lon, lat), always_xy=True)
    x, y = fwd.transform(out["centre_lon"].iloc[3], out["centre_lat"].iloc[3])
    xa, ya = fwd.transform(pair_a[0], pair_a[1])
    xb, yb = fwd.transform(pair_b[0], pair_b[1])
    assert (x, y) == pytest.approx(((xa + xb) / 2, (ya + yb) / 2), abs=1e-6)


def test_outlines_of_noise_only_is_empty():
    out = cluster_outlines([LON0], [LAT0], [-1])
    assert len(out) == 0
    assert out.crs.to_epsg() == 4326
    assert list(out.columns) == ["cluster_id", "n_cases", "centre_lon", "centre_lat", "geometry"]
