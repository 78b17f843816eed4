"""Every user-visible label of the lists and the report, in Vietnamese and English."""

from __future__ import annotations

__all__: list[str] = []

#: column -> (Vietnamese header, English header, meaning in English)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "rank": (
        "Thứ tự ưu tiên",
        "Rank",
        "Rank within this carrier's list (1 = first); ties broken by village id",
    ),
    "overall_rank": ("Thứ tự chung", "Overall rank", "Rank among all carriers' villages"),
    "village_id": ("Mã thôn", "Village id", "Village id from the input"),
    "name": ("Tên thôn", "Village", "Village name"),
    "commune_id": ("Mã xã", "Commune code", "Commune code (2025)"),
    "commune_name": ("Tên xã", "Commune", "Commune name"),
    "population": ("Số dân", "Population", "People living in the village"),
    "households": ("Số hộ", "Households", "Households (when given)"),
    "best_mobile": (
        "Sóng tốt nhất",
        "Best mobile",
        "Best technology from any carrier today (none, 2G, 3G, 4G, 5G)",
    ),
    "need": ("Cần đầu tư", "Need", "mobile (no 3G/4G/5G, or no 4G when targeted), fibre, or both"),
    "carrier": ("Doanh nghiệp", "Carrier", "Carrier recommended to close the gap"),
    "assignment_basis": (
        "Căn cứ giao",
        "Assignment basis",
        "assigned (table), nearest_site, nearest_fibre or commune_coverage",
    ),
    "distance_km": (
        "Khoảng cách (km)",
        "Distance (km)",
        "To the carrier's nearest site of the build technology (mobile) or to fibre (fibre only)",
    ),
    "fibre_distance_m": ("Cách cáp quang (m)", "Fibre distance (m)", "Metres to the nearest fibre"),
    "facility": (
        "Cơ sở công cộng",
        "Public facility",
        "Public facility within reach (if a layer was given)",
    ),
    "relief_m": ("Chênh cao (m)", "Relief (m)", "Elevation range within 1 km (if a DEM was given)"),
    "score": (
        "Điểm ưu tiên",
        "Score",
        "Priority score 0-100: weighted sum of the components below",
    ),
    "score_people": (
        "Điểm dân số",
        "Score: people",
        "Population / largest population among candidates",
    ),
    "score_mobile": (
        "Điểm mức độ sóng",
        "Score: mobile gap",
        "No signal 1, 2G only 0.7, 3G only 0.4",
    ),
    "score_fibre": ("Điểm cáp quang", "Score: fibre gap", "1 without fibre within reach"),
    "score_importance": (
        "Điểm công cộng",
        "Score: importance",
        "1 with a public facility within reach",
    ),
    "score_readiness": (
        "Điểm điện lưới",
        "Score: readiness",
        "1 with grid power, 0 without, 0.5 unknown",
    ),
    "score_cost": (
        "Điểm chi phí",
        "Score: cost",
        "1 next to existing infrastructure, 0 at the reference distance",
    ),
    "reason": ("Lý do", "Reason", "Plain-language summary"),
    "cost": ("Chi phí", "Cost", "Estimated cost (budget units) or sites"),
    "in_budget": ("Trong ngân sách", "In budget", "Selected within the budget"),
    "lon": ("Kinh độ", "Longitude", "WGS 84"),
    "lat": ("Vĩ độ", "Latitude", "WGS 84"),
    "villages": ("Số thôn", "Villages", "Villages on the list"),
    "need_mobile": ("Cần phủ sóng", "Mobile need", "Villages needing mobile coverage"),
    "need_fibre": ("Cần cáp quang", "Fibre need", "Villages needing fibre"),
    "covered_by": ("Đã có sóng của", "Covered by", "Carriers with 3G or better"),
    "not_covered_by": ("Chưa có sóng của", "Not covered by", "Carriers without 3G or better"),
    # where to build (planning/)
    "order": ("Thứ tự", "Order", "Order of marginal gain: each site adds the most new people"),
    "site_id": ("Mã trạm", "Site", "Candidate site id (from the file, or G<x>_<y> grid cell)"),
    "new_villages": ("Thôn mới được phủ", "New villages", "Target villages no earlier site covers"),
    "new_people": ("Dân mới được phủ", "New people", "People in those villages"),
    "cumulative_people": ("Dân được phủ (cộng dồn)", "Cumulative people", "Sum down the list"),
    "people_in_reach": ("Dân trong vùng phủ", "People in reach", "Every target village it covers"),
    "cumulative_cost": ("Chi phí cộng dồn", "Cumulative cost", "Sum down the list"),
    "ground_m": ("Cao độ (m)", "Ground (m)", "Ground height above sea level under the site"),
    "height_m": ("Độ cao anten (m)", "Antenna height (m)", "Antenna above ground"),
    "frequency_mhz": ("Tần số (MHz)", "Frequency (MHz)", "Carrier frequency"),
    "eirp_dbm": ("EIRP (dBm)", "EIRP (dBm)", "On boresight, of what the threshold measures"),
    "azimuth_deg": ("Hướng (độ)", "Azimuth (°)", "Sector azimuth; empty: omnidirectional"),
    "beamwidth_deg": ("Độ rộng búp (độ)", "Beamwidth (°)", "Half-power beamwidth"),
    "range_m": ("Bán kính (m)", "Range (m)", "Reach under model: range"),
    "reach_m": (
        "Tầm phủ tối đa (m)",
        "Reach (m)",
        "Farthest distance the signal reaches the threshold on open ground",
    ),
    "cluster": ("Cụm", "Cluster", "Gap cluster: villages one site could serve"),
    "people": ("Số dân", "People", "People in the cluster's villages"),
    "communes": ("Các xã", "Communes", "Communes the cluster spans"),
    "n_communes": ("Số xã", "Communes (count)", "How many communes it spans"),
}

TEXT: dict[str, tuple[str, str]] = {
    "legend": ("Chú giải", "Legend"),
    "parameters": ("Tham số", "Parameters"),
    "sharing": ("Dùng chung hạ tầng", "Sharing"),
    "synthetic": (
        "DỮ LIỆU GIẢ LẬP: thôn, vùng phủ sóng và cáp quang do coverage-gaps tạo ra để minh họa.",
        "SYNTHETIC DATA: villages, coverage and fibre generated by coverage-gaps for demonstration.",
    ),
    "headline_mobile": ("thôn chưa có sóng 3G/4G/5G", "villages without 3G/4G/5G signal"),
    "headline_fibre": ("thôn chưa được phủ cáp quang", "villages without fibre"),
    "headline_no4g": ("thôn chưa có 4G", "villages without 4G"),
    "report_title": ("Báo cáo vùng lõm sóng và cáp quang", "Mobile and fibre coverage gaps"),
    "run_date": ("Ngày chạy", "Run date"),
    "communes": ("Theo xã", "By commune"),
    "carriers": ("Theo doanh nghiệp", "By carrier"),
    "top": ("20 thôn ưu tiên cao nhất", "Top 20 priority villages"),
    "charts": ("Biểu đồ", "Charts"),
    "inputs": ("Tham số và dữ liệu đầu vào", "Parameters and inputs"),
    "budget": ("Ngân sách", "Budget"),
    "progress": ("Tiến độ so với lần chạy trước", "Progress since the previous run"),
    "villages": ("Số thôn", "Villages"),
    "communes_word": ("xã/phường", "communes"),
    "people": ("Số dân", "People"),
    "gap_villages_chart": ("Số thôn lõm sóng theo xã", "Villages without 3G/4G/5G per commune"),
    "challenges": ("Khiếu nại vùng phủ", "Challenges"),
    "evidence": (
        "Đo kiểm thực tế so với vùng phủ khai báo",
        "Measured evidence against declared coverage",
    ),
    "evidence_line": (
        "{carrier}: {n} thôn khai báo có sóng {tech} nhưng đo không đạt",
        "{carrier}: {n} villages declared covered by {tech} but measured below the mark",
    ),
    "evidence_none": (
        "Không thôn nào có đủ phép đo không đạt để khiếu nại vùng phủ khai báo.",
        "No village has enough failing tests to challenge the declared coverage.",
    ),
    "evidence_rules": (
        "Quy tắc: ít nhất {min_tests} phép đo trong bán kính {radius} m, {share}% không đạt, "
        "hai phép đo không đạt cách nhau ít nhất {hours} giờ (docs/EVIDENCE.md).",
        "Rules: at least {min_tests} tests within {radius} m, {share}% failing, two failing "
        "tests at least {hours} h apart (docs/EVIDENCE.md).",
    ),
    "pop_covered_chart": (
        "Dân số được phủ sóng theo công nghệ và doanh nghiệp (%)",
        "Population covered per technology and carrier (%)",
    ),
    "planning": ("Đề xuất xây trạm mới", "Where to build new sites"),
    "planning_headline": (
        "{sites} trạm mới phủ sóng cho {villages} thôn, {people} người",
        "{sites} new sites cover {villages} villages, {people} people",
    ),
    "planning_targets": (
        "Thôn mục tiêu: {villages} thôn, {people} người ({rule}); {candidates} vị trí ứng viên.",
        "Target villages: {villages} villages, {people} people ({rule}); {candidates} candidate sites.",
    ),
    "planning_optimal": (
        "Phương pháp: {method}; lời giải tối ưu (đã chứng minh).",
        "Method: {method}; proven optimal.",
    ),
    "planning_gap": (
        "Phương pháp: {method}; cách tối ưu nhiều nhất {gap} (cận trên {bound} người).",
        "Method: {method}; at most {gap} from the optimum (upper bound {bound} people).",
    ),
    "planning_budget": ("Ngân sách: {budget}; đã dùng {spent}.", "Budget: {budget}; used {spent}."),
    "planning_sites_unit": ("trạm", "sites"),
    "planning_sites": ("Trạm đề xuất", "Proposed sites"),
    "planning_clusters": ("Cụm thôn lõm sóng (gói thầu)", "Gap clusters (lots to tender)"),
    "method_exact": ("chính xác (quy hoạch nguyên, HiGHS)", "exact (integer programme, HiGHS)"),
    "method_greedy": ("tham lam", "greedy"),
}


#: Columns of ``challenges.csv`` -> (Vietnamese meaning, English meaning), for its legend sheet.
EVIDENCE_COLUMNS: dict[str, tuple[str, str]] = {
    "level": ("village: một thôn; h3: một ô lục giác H3", "village: one village; h3: one H3 cell"),
    "village_id": ("Mã thôn (dòng thôn)", "Village id (village rows)"),
    "h3_cell": ("Mã ô H3 (dòng ô H3)", "H3 cell index (H3 rows)"),
    "name": ("Tên thôn", "Village name"),
    "commune_id": ("Mã xã", "Commune code"),
    "commune_name": ("Tên xã", "Commune name"),
    "carrier": ("Doanh nghiệp khai báo vùng phủ", "Carrier whose declared coverage is challenged"),
    "technology": ("Công nghệ (2G, 3G, 4G, 5G)", "Technology (2G, 3G, 4G, 5G)"),
    "tests": (
        "Số phép đo trong vùng khai báo có sóng",
        "Tests inside the declared coverage",
    ),
    "failing": ("Số phép đo không đạt", "Tests below the threshold (signal or speed)"),
    "failing_share": ("Tỷ lệ phép đo không đạt", "failing / tests"),
    "hours_apart": (
        "Số giờ giữa phép đo không đạt đầu tiên và cuối cùng",
        "Hours between the first and last failing tests",
    ),
    "median_signal_dbm": ("Trung vị cường độ tín hiệu (dBm)", "Median signal (dBm)"),
    "median_download_mbps": ("Trung vị tốc độ tải xuống (Mbps)", "Median download speed (Mbps)"),
    "first_test_utc": ("Phép đo đầu tiên (giờ UTC)", "First test (UTC)"),
    "last_test_utc": ("Phép đo cuối cùng (giờ UTC)", "Last test (UTC)"),
    "declared_source": (
        "Nguồn khai báo: raster, polygons (vùng) hoặc predicted (dự báo từ trạm)",
        "Declared by: raster, polygons or predicted (from a site list)",
    ),
}


def evidence_legend(columns: list[str], lang: str) -> list[tuple[str, str]]:
    """The legend sheet of ``challenges.xlsx``: each column with its meaning in ``lang``."""
    return [(c, EVIDENCE_COLUMNS.get(c, (c, c))[0 if lang == "vi" else 1]) for c in columns]


def header(column: str, lang: str) -> str:
    vi, en, _ = COLUMNS.get(column, (column, column, ""))
    return vi if lang == "vi" else en


def text(key: str, lang: str) -> str:
    vi, en = TEXT[key]
    return vi if lang == "vi" else en


def legend(columns: list[str], lang: str) -> list[tuple[str, str]]:
    return [(header(c, lang), COLUMNS.get(c, (c, c, ""))[2]) for c in columns]


#: Every user-visible string of ``map.html`` (:mod:`coverage_gaps.maps`): key -> (vi, en).
#: ``{tech}`` is replaced by a technology (2G ... 5G).
MAP: dict[str, tuple[str, str]] = {
    "title": ("Bản đồ vùng lõm sóng và cáp quang", "Mobile and fibre gap map"),
    "overview": ("Tổng quan (theo xã)", "Overview (by commune)"),
    "province_maps": ("Bản đồ từng tỉnh", "Map of each province"),
    "run_date": ("Ngày chạy", "Run date"),
    "headline_mobile": ("thôn chưa có sóng 3G/4G/5G", "villages without 3G/4G/5G"),
    "headline_fibre": ("thôn chưa được phủ cáp quang", "villages without fibre"),
    "synthetic": (
        "DỮ LIỆU GIẢ LẬP: thôn, vùng phủ sóng và cáp quang do coverage-gaps tạo ra để minh họa, "
        "không phản ánh mạng lưới thực tế.",
        "SYNTHETIC DATA: villages, coverage and fibre generated by coverage-gaps for "
        "demonstration; they do not describe real networks.",
    ),
    "communes_layer": ("Xã/phường: tỷ lệ lõm sóng", "Communes: share in the mobile gap"),
    "names_layer": ("Tên xã/phường", "Commune names"),
    "share_villages": ("Tỷ lệ thôn lõm sóng (%)", "Villages without 3G/4G/5G (%)"),
    "share_population": ("Tỷ lệ dân lõm sóng (%)", "People without 3G/4G/5G (%)"),
    "no_villages": ("Không có thôn", "No villages"),
    "legend": ("Chú giải", "Legend"),
    "villages_title": ("Thôn", "Villages"),
    "kind_none": ("Thôn không có sóng", "Villages with no signal"),
    "kind_2g": ("Thôn chỉ có 2G", "Villages with 2G only"),
    "kind_3g": ("Thôn chỉ có 3G (chưa có 4G)", "Villages with 3G only (no 4G)"),
    "kind_fibre": ("Thôn chưa có cáp quang", "Villages without fibre"),
    "kind_covered": ("Thôn đã có sóng và cáp quang", "Villages covered"),
    "coverage": ("Vùng phủ", "Coverage"),
    "fibre_layer": ("Tuyến cáp quang", "Fibre routes"),
    "osm": ("Bản đồ OpenStreetMap", "OpenStreetMap"),
    "satellite": ("Ảnh vệ tinh (Esri)", "Satellite (Esri)"),
    "search": ("Tìm thôn, xã (gõ không dấu được)", "Find a village or commune"),
    "commune": ("Xã/phường", "Commune"),
    "population": ("Số dân", "Population"),
    "mobile": ("Sóng di động", "Mobile signal"),
    "best_none": ("không có sóng", "no signal"),
    "offers": ("Doanh nghiệp có sóng", "What each carrier offers"),
    "nothing": ("không có", "nothing"),
    "fibre_distance": ("Cách cáp quang", "Distance to fibre"),
    "no_fibre_layer": ("không có dữ liệu cáp quang", "no fibre layer"),
    "rank": ("Thứ tự ưu tiên", "Priority rank"),
    "assigned": ("Doanh nghiệp được giao", "Assigned carrier"),
    "not_listed": ("không trong danh sách", "not on the lists"),
    "commune_id": ("Mã xã", "Commune code"),
    "province": ("Tỉnh", "Province"),
    "villages": ("Số thôn", "Villages"),
    "villages_gap_mobile": ("Thôn lõm sóng", "Villages without 3G/4G/5G"),
    "population_gap_mobile": ("Dân lõm sóng", "People without 3G/4G/5G"),
    "villages_gap_fibre": ("Thôn chưa có cáp quang", "Villages without fibre"),
    "population_gap_fibre": ("Dân chưa có cáp quang", "People without fibre"),
    "villages_no_4g": ("Thôn chưa có 4G", "Villages without 4G"),
    "population_no_4g": ("Dân chưa có 4G", "People without 4G"),
    "pct_population": ("Dân được phủ {tech} (%)", "People covered by {tech} (%)"),
    "pct_area": ("Diện tích được phủ {tech} (%)", "Area covered by {tech} (%)"),
    "area_km2": ("Diện tích (km²)", "Area (km²)"),
    # the planning layers (``plan_*``: handed to their own script, not to the page's)
    "plan_sites": ("Trạm mới đề xuất", "Proposed new sites"),
    "plan_villages": ("Thôn được trạm mới phủ sóng", "Villages the new sites cover"),
    "plan_coverage": ("Vùng phủ dự báo của trạm mới", "Predicted coverage of the new sites"),
    "plan_clusters": ("Cụm thôn lõm sóng (gói thầu)", "Gap clusters (lots to tender)"),
    "plan_site": ("Trạm đề xuất", "Proposed site"),
    "plan_order": ("Thứ tự", "Order"),
    "plan_commune": ("Xã/phường", "Commune"),
    "plan_new_villages": ("Thôn mới được phủ", "New villages"),
    "plan_new_people": ("Dân mới được phủ", "New people"),
    "plan_cost": ("Chi phí", "Cost"),
    "plan_population": ("Số dân", "Population"),
    "plan_covered_by": ("Được phủ bởi trạm", "Covered by site"),
    "plan_cluster": ("Cụm", "Cluster"),
    "plan_villages_count": ("Số thôn", "Villages"),
    "plan_people": ("Số dân", "People"),
    "plan_communes": ("Các xã", "Communes"),
    "plan_served_by": ("Một trạm có thể phục vụ", "One site can serve it"),
    "evidence_cells": ("Ô H3 theo kết quả đo kiểm", "H3 cells by measured verdict"),
    "challenged_villages": (
        "Thôn khai báo có sóng nhưng đo không đạt",
        "Villages declared covered but measured below the mark",
    ),
    "verdict_challenged": ("khai báo có sóng nhưng đo không đạt", "challenged"),
    "verdict_confirmed": ("đo kiểm xác nhận có sóng", "confirmed"),
    "verdict_undeclared_coverage": (
        "có sóng ngoài vùng khai báo",
        "covered beyond the declaration",
    ),
    "verdict_insufficient": ("chưa đủ phép đo", "not enough tests"),
    "verdict_no_data": ("không có phép đo", "no test"),
    "tests": ("phép đo", "tests"),
    "failing": ("không đạt", "failing"),
}


def map_text(key: str, lang: str, **fields: str) -> str:
    """A label of the map in ``lang`` (``vi`` or ``en``)."""
    vi, en = MAP[key]
    out = vi if lang == "vi" else en
    return out.format(**fields) if fields else out
