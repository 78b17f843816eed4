"""Files in and out: readers for every input format, the shared input checks, raster
reads at points, output writers (CSV, XLSX, GeoPackage, GeoTIFF), atomic output folders and the
run folder's ``run.json``.

Nothing here knows about coverage or villages; the loaders in :mod:`coverage_gaps.inputs`
and the writers in :mod:`coverage_gaps.outputs` build on it.
"""

from .atomic import atomic_output_dir, check_output_dir
from .readers import read_table, read_vector
from .runfolder import VerifyReport, read_run_record, record_outputs, verify_run
from .writers import encode_geotiff, write_csv, write_geotiff, write_gpkg, write_xlsx

__all__ = [
    "VerifyReport",
    "atomic_output_dir",
    "check_output_dir",
    "encode_geotiff",
    "read_run_record",
    "read_table",
    "read_vector",
    "record_outputs",
    "verify_run",
    "write_csv",
    "write_geotiff",
    "write_gpkg",
    "write_xlsx",
]
