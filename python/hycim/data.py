"""The training-side data cache: packed datasets and their shuffled loader.

    hycim.data.pack("train.ds", samples, labels)          # shards + index
    ds = hycim.data.Dataset("train.ds")
    loader = hycim.data.Loader(ds, batch_size=64, seed=7)
    for epoch in range(3):
        for batch in loader.epoch(epoch):
            x = batch.data.view(np.float32)               # [B, bytes] -> floats
            train(x, batch.labels)
        print(loader.stats())                             # prefetch hit rate, stalls

Samples are byte records (a fixed-size record per sample arrives as one
[B, size] uint8 array per batch, which ``.view()`` reinterprets without a
copy). docs/data-cache.md describes the format, the shuffle and the
prefetch cache; errors are :class:`hycim.DataError` naming the file and
sample.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

import numpy as np

from . import _native

PathLike = Union[str, os.PathLike]


def pack(out: PathLike, samples: Sequence[Any], labels: Sequence[int], *,
         names: Optional[Sequence[str]] = None, label_names: Optional[Sequence[str]] = None,
         shard_bytes: int = 0) -> Dict[str, Any]:
    """Packs ``samples`` (arrays or bytes, each one record) with their
    ``labels`` as a new generation of the dataset directory ``out``,
    switched in atomically (a failure leaves the previous one live).
    Returns the generation's directory, samples, bytes and shards."""
    return json.loads(_native.pack(os.fspath(out), list(samples), [int(l) for l in labels],
                                   list(names or []), list(label_names or []), shard_bytes))


def pack_directory(src: PathLike, out: PathLike, *, shard_bytes: int = 0) -> Dict[str, Any]:
    """``hycim data pack``: every file under ``src`` (its first folder level
    naming the label, ImageFolder-style) into the dataset ``out``."""
    return json.loads(_native.pack_directory(os.fspath(src), os.fspath(out), shard_bytes))


class Dataset:
    """A packed dataset opened for reading; its index and every shard's
    size are checked before a sample is served."""

    def __init__(self, path: PathLike) -> None:
        self.path = os.fspath(path)
        self._native = _native.NativeDataset(self.path)

    def __len__(self) -> int:
        return len(self._native)

    def read(self, i: int) -> np.ndarray:
        """Sample ``i``'s bytes as a uint8 array (checksum checked)."""
        return self._native.read(i)

    def label(self, i: int) -> int:
        return self._native.label(i)

    def name(self, i: int) -> str:
        return self._native.name(i)

    @property
    def labels(self) -> np.ndarray:
        """Every sample's label, by sample id."""
        return np.array([self._native.label(i) for i in range(len(self))], dtype=np.int32)

    @property
    def label_names(self) -> List[str]:
        return list(self._native.label_names())

    @property
    def total_bytes(self) -> int:
        return self._native.total_bytes()

    def verify(self) -> Dict[str, Any]:
        """Re-reads every shard and checks each sample's and shard's checksum."""
        return json.loads(self._native.verify())


class Batch:
    """One batch: ``ids`` and ``labels`` (arrays of B), ``data`` ([B, size]
    uint8 when every sample has one size, else a list of arrays)."""
    __slots__ = ("epoch", "index", "ids", "labels", "data")

    def __init__(self, native: Any) -> None:
        self.epoch = native.epoch
        self.index = native.index
        self.ids = native.ids
        self.labels = native.labels
        self.data = native.data

    def __len__(self) -> int:
        return len(self.ids)


class Loader:
    """Epochs of equal-sized per-rank batches in a seeded full-shuffle order
    (the same order for a seed whatever batch an epoch resumes at), read
    through the shuffle-aware prefetch cache: ``workers`` threads read
    ahead in the known order into at most ``capacity_bytes``, on into the
    next epoch, so iterating epochs one after another never starts cold."""

    def __init__(self, dataset: Dataset, batch_size: int = 32, *, seed: int = 0, rank: int = 0,
                 world: int = 1, pad: bool = False, drop_last_batch: bool = False,
                 capacity_bytes: int = 0, workers: int = 0) -> None:
        self.dataset = dataset
        self._native = _native.NativeLoader(dataset._native, batch_size, seed, rank, world, pad,
                                            drop_last_batch, capacity_bytes, workers)

    @property
    def batches_per_epoch(self) -> int:
        return self._native.batches_per_epoch()

    def sequence(self, epoch: int) -> np.ndarray:
        """This rank's sample ids for ``epoch`` in the order they are served."""
        return np.asarray(self._native.sequence(epoch), dtype=np.uint32)

    def epoch(self, epoch: int, first_batch: int = 0) -> Iterator[Batch]:
        """The batches of ``epoch`` from ``first_batch`` on."""
        self._native.start_epoch(epoch, first_batch)
        while True:
            b = self._native.next()
            if b is None:
                return
            yield Batch(b)

    def next_epoch_ready(self) -> int:
        """Samples of the next epoch already resident: the cache reads on
        across the boundary, so consecutive epochs start warm."""
        return self._native.next_epoch_ready()

    def stats(self) -> Dict[str, Any]:
        """The prefetch cache's statistics for the current epoch: requests,
        hits and hit rate, time the consumer stalled, bytes and reads. The
        reads include those made ahead into the next epoch, while this one
        ran."""
        return json.loads(self._native.stats())

    def total_stats(self) -> Dict[str, Any]:
        """The same counts since the loader was made (no epoch boundary
        splits them)."""
        return json.loads(self._native.total_stats())
