"""Engines: where the villages are analysed. The local engine is
:func:`coverage_gaps.pipeline.analyse` (one process); :mod:`.dask` runs the same functions
partition by partition on a Dask cluster (``engine: dask`` in the project file).
``coverage_gaps.pipeline`` chooses one from ``engine:``.
"""

from .dask import VILLAGE_PARTS_MIN_ROWS, DaskVillages, analyse_on_dask, dask_client

__all__ = ["VILLAGE_PARTS_MIN_ROWS", "DaskVillages", "analyse_on_dask", "dask_client"]
