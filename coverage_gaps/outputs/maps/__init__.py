"""``map.html``: the interactive gap map (folium/Leaflet)."""

from .build import (
    ASSETS,
    MapData,
    build_map,
    fold,
    map_data_from_result,
    map_data_from_run,
    render_map,
    render_run_map,
    write_maps,
)

__all__ = [
    "ASSETS",
    "MapData",
    "build_map",
    "fold",
    "map_data_from_result",
    "map_data_from_run",
    "render_map",
    "render_run_map",
    "write_maps",
]
