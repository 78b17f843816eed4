"""Every user-visible label of the lists, the report and the map, in Vietnamese and English.

One table, :data:`COLUMNS`, names every column of the output contract (villages, communes,
provinces, the carriers' lists, the budget and the progress between two runs): the lists'
headers, the XLSX legends, the report's tables and the map's popups all take their labels
from it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..vietnam.carriers import TECHNOLOGIES

__all__ = [
    "COLUMNS",
    "EVIDENCE_COLUMNS",
    "MAP",
    "TEXT",
    "evidence_legend",
    "header",
    "legend",
    "map_text",
    "parameter_label",
    "text",
    "value_text",
]

#: Columns that exist once per technology: key with ``{t}`` (2g ... 5g) -> labels with
#: ``{tech}`` (2G ... 5G): (vi header, en header, vi meaning, en meaning).
PER_TECHNOLOGY: dict[str, tuple[str, str, str, str]] = {
    "has_{t}": (
        "Có {tech}",
        "{tech}",
        "Có sóng {tech} của ít nhất một doanh nghiệp",
        "{tech} from at least one carrier",
    ),
    "pct_population_{t}": (
        "Dân được phủ {tech} (%)",
        "People covered by {tech} (%)",
        "Tỷ lệ dân số có sóng {tech} của ít nhất một doanh nghiệp",
        "Share of the people with {tech} from at least one carrier",
    ),
    "pct_area_{t}": (
        "Diện tích được phủ {tech} (%)",
        "Area covered by {tech} (%)",
        "Tỷ lệ diện tích có sóng {tech} của ít nhất một doanh nghiệp",
        "Share of the area with {tech} from at least one carrier",
    ),
}

#: column -> (Vietnamese header, English header, Vietnamese meaning, English meaning)
COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "rank": (
        "Thứ tự ưu tiên",
        "Rank",
        "Thứ tự trong danh sách của doanh nghiệp này (1 = đầu tiên); cùng điểm thì theo mã thôn",
        "Rank within this carrier's list (1 = first); ties broken by village id",
    ),
    "overall_rank": (
        "Thứ tự chung",
        "Overall rank",
        "Thứ tự trong các thôn của mọi doanh nghiệp",
        "Rank among all carriers' villages",
    ),
    "village_id": (
        "Mã thôn",
        "Village id",
        "Mã thôn trong dữ liệu đầu vào",
        "Village id from the input",
    ),
    "name": ("Tên thôn", "Village", "Tên thôn", "Village name"),
    "commune_id": ("Mã xã", "Commune code", "Mã xã/phường (2025)", "Commune code (2025)"),
    "commune_name": ("Tên xã", "Commune", "Tên xã/phường", "Commune name"),
    "population": ("Số dân", "Population", "Số người sinh sống", "People living there"),
    "households": ("Số hộ", "Households", "Số hộ gia đình (nếu có)", "Households (when given)"),
    "lon": ("Kinh độ", "Longitude", "WGS 84", "WGS 84"),
    "lat": ("Vĩ độ", "Latitude", "WGS 84", "WGS 84"),
    "best_mobile": (
        "Sóng tốt nhất",
        "Best mobile",
        "Công nghệ tốt nhất hiện có của bất kỳ doanh nghiệp nào (none = không có, 2G, 3G, 4G, 5G)",
        "Best technology from any carrier today (none, 2G, 3G, 4G, 5G)",
    ),
    "gap_mobile": ("Lõm sóng", "Mobile gap", "Không có sóng 3G/4G/5G", "No 3G/4G/5G signal"),
    "fibre_distance_m": (
        "Cách cáp quang (m)",
        "Fibre distance (m)",
        "Số mét tới tuyến cáp quang gần nhất",
        "Metres to the nearest fibre",
    ),
    "gap_fibre": (
        "Chưa có cáp quang",
        "Fibre gap",
        "Không có cáp quang trong phạm vi",
        "No fibre within reach",
    ),
    "no_4g": ("Chưa có 4G", "No 4G", "Không có sóng 4G/5G", "No 4G or 5G signal"),
    "need": (
        "Cần đầu tư",
        "Need",
        "mobile: cần phủ sóng (không có 3G/4G/5G, hoặc không có 4G khi mục tiêu gồm 4G); "
        "fibre: cần cáp quang; mobile+fibre: cả hai",
        "mobile (no 3G/4G/5G, or no 4G when targeted), fibre, or both",
    ),
    "carrier": (
        "Doanh nghiệp",
        "Carrier",
        "Doanh nghiệp được đề xuất xóa vùng lõm",
        "Carrier recommended to close the gap",
    ),
    "assignment_basis": (
        "Căn cứ giao",
        "Assignment basis",
        "assigned: theo bảng giao; nearest_site: trạm gần nhất; nearest_fibre: cáp quang gần "
        "nhất; commune_coverage: doanh nghiệp phủ sóng nhiều nhất trong xã",
        "assigned (table), nearest_site, nearest_fibre or commune_coverage",
    ),
    "distance_km": (
        "Khoảng cách (km)",
        "Distance (km)",
        "Tới trạm gần nhất của doanh nghiệp có công nghệ xây mới (sóng di động), hoặc tới cáp "
        "quang (chỉ cần cáp quang)",
        "To the carrier's nearest site of the build technology (mobile) or to fibre (fibre only)",
    ),
    "facility": (
        "Cơ sở công cộng",
        "Public facility",
        "Cơ sở công cộng trong phạm vi (nếu có lớp dữ liệu)",
        "Public facility within reach (if a layer was given)",
    ),
    "relief_m": (
        "Chênh cao (m)",
        "Relief (m)",
        "Chênh lệch độ cao trong bán kính 1 km (nếu có DEM)",
        "Elevation range within 1 km (if a DEM was given)",
    ),
    "score": (
        "Điểm ưu tiên",
        "Score",
        "Điểm ưu tiên 0-100: tổng có trọng số của các điểm thành phần dưới đây",
        "Priority score 0-100: weighted sum of the components below",
    ),
    "score_people": (
        "Điểm dân số",
        "Score: people",
        "Số dân / số dân lớn nhất trong các thôn được xét",
        "Population / largest population among candidates",
    ),
    "score_mobile": (
        "Điểm mức độ sóng",
        "Score: mobile gap",
        "Không có sóng 1; chỉ có 2G 0,7; chỉ có 3G 0,4",
        "No signal 1, 2G only 0.7, 3G only 0.4",
    ),
    "score_fibre": (
        "Điểm cáp quang",
        "Score: fibre gap",
        "1 khi không có cáp quang trong phạm vi",
        "1 without fibre within reach",
    ),
    "score_importance": (
        "Điểm công cộng",
        "Score: importance",
        "1 khi có cơ sở công cộng trong phạm vi",
        "1 with a public facility within reach",
    ),
    "score_readiness": (
        "Điểm điện lưới",
        "Score: readiness",
        "1 khi có điện lưới, 0 khi không có, 0,5 khi chưa rõ",
        "1 with grid power, 0 without, 0.5 unknown",
    ),
    "score_cost": (
        "Điểm chi phí",
        "Score: cost",
        "1 khi sát hạ tầng sẵn có, 0 từ khoảng cách tham chiếu trở đi",
        "1 next to existing infrastructure, 0 at the reference distance",
    ),
    "reason": ("Lý do", "Reason", "Tóm tắt bằng lời", "Plain-language summary"),
    "cost": (
        "Chi phí",
        "Cost",
        "Chi phí ước tính (đơn vị ngân sách) hoặc số trạm",
        "Estimated cost (budget units) or sites",
    ),
    "in_budget": (
        "Trong ngân sách",
        "In budget",
        "Được chọn trong phạm vi ngân sách",
        "Selected within the budget",
    ),
    "villages": ("Số thôn", "Villages", "Số thôn", "Villages"),
    "communes": (
        "Xã/phường",
        "Communes",
        "Số xã/phường, hoặc tên các xã một cụm thôn trải qua",
        "How many communes, or the communes a cluster spans",
    ),
    "need_mobile": (
        "Cần phủ sóng",
        "Mobile need",
        "Số thôn cần phủ sóng di động",
        "Villages needing mobile coverage",
    ),
    "need_fibre": (
        "Cần cáp quang",
        "Fibre need",
        "Số thôn cần cáp quang",
        "Villages needing fibre",
    ),
    "covered_by": (
        "Đã có sóng của",
        "Covered by",
        "Doanh nghiệp có sóng 3G trở lên",
        "Carriers with 3G or better",
    ),
    "not_covered_by": (
        "Chưa có sóng của",
        "Not covered by",
        "Doanh nghiệp chưa có sóng 3G trở lên",
        "Carriers without 3G or better",
    ),
    "villages_gap_mobile": (
        "Thôn lõm sóng",
        "Villages without 3G/4G/5G",
        "Số thôn không có sóng 3G/4G/5G",
        "Villages without 3G/4G/5G signal",
    ),
    "population_gap_mobile": (
        "Dân lõm sóng",
        "People without 3G/4G/5G",
        "Số dân không có sóng 3G/4G/5G",
        "People without 3G/4G/5G signal",
    ),
    "villages_gap_fibre": (
        "Thôn chưa có cáp quang",
        "Villages without fibre",
        "Số thôn không có cáp quang trong phạm vi",
        "Villages without fibre within reach",
    ),
    "population_gap_fibre": (
        "Dân chưa có cáp quang",
        "People without fibre",
        "Số dân không có cáp quang trong phạm vi",
        "People without fibre within reach",
    ),
    "villages_no_4g": (
        "Thôn chưa có 4G",
        "Villages without 4G",
        "Số thôn không có sóng 4G/5G",
        "Villages without 4G or 5G",
    ),
    "population_no_4g": (
        "Dân chưa có 4G",
        "People without 4G",
        "Số dân không có sóng 4G/5G",
        "People without 4G or 5G",
    ),
    "province_id": ("Mã tỉnh", "Province code", "Mã tỉnh/thành phố", "Province code"),
    "province_name": ("Tỉnh", "Province", "Tên tỉnh/thành phố", "Province name"),
    "area_km2": ("Diện tích (km²)", "Area (km²)", "Diện tích", "Area"),
    "budget_sites": (
        "Số trạm được cấp",
        "Sites in the budget",
        "Số trạm mới trong ngân sách",
        "New sites in the budget",
    ),
    "budget_money": ("Ngân sách", "Budget", "Ngân sách (đơn vị tiền)", "Budget (money)"),
    "villages_selected": (
        "Thôn được chọn",
        "Villages selected",
        "Số thôn được chọn trong ngân sách",
        "Villages selected within the budget",
    ),
    "people_selected": (
        "Dân được chọn",
        "People selected",
        "Số dân của các thôn được chọn",
        "People in the villages selected",
    ),
    "sites_used": ("Số trạm dùng", "Sites used", "Số trạm mới được dùng", "New sites used"),
    "cost_selected": (
        "Chi phí đã chọn",
        "Cost selected",
        "Chi phí của các thôn được chọn",
        "Cost of the villages selected",
    ),
    "villages_remaining": (
        "Thôn còn lại",
        "Villages remaining",
        "Số thôn ngoài ngân sách",
        "Villages outside the budget",
    ),
    "people_remaining": (
        "Dân còn lại",
        "People remaining",
        "Số dân của các thôn ngoài ngân sách",
        "People in the villages outside the budget",
    ),
    "layer": ("Lớp", "Layer", "Lớp so sánh", "Layer compared"),
    "change": ("Thay đổi", "Change", "covered: mới được phủ; lost: mất phủ", "covered or lost"),
    "newly_covered": (
        "Mới được phủ",
        "Newly covered",
        "Số thôn mới được phủ",
        "Villages newly covered",
    ),
    "newly_lost": ("Mất phủ", "Newly lost", "Số thôn mất phủ", "Villages newly lost"),
    "still_not_covered": (
        "Vẫn chưa phủ",
        "Still not covered",
        "Số thôn vẫn chưa được phủ",
        "Villages still not covered",
    ),
    # where to build (planning/)
    "order": (
        "Thứ tự",
        "Order",
        "Thứ tự theo mức tăng: mỗi trạm phủ thêm nhiều người mới nhất",
        "Order of marginal gain: each site adds the most new people",
    ),
    "site_id": (
        "Mã trạm",
        "Site",
        "Mã trạm ứng viên (từ tệp, hoặc ô lưới G<x>_<y>)",
        "Candidate site id (from the file, or G<x>_<y> grid cell)",
    ),
    "new_villages": (
        "Thôn mới được phủ",
        "New villages",
        "Số thôn mục tiêu chưa trạm nào trước đó phủ",
        "Target villages no earlier site covers",
    ),
    "new_people": (
        "Dân mới được phủ",
        "New people",
        "Số dân của các thôn đó",
        "People in those villages",
    ),
    "cumulative_people": (
        "Dân được phủ (cộng dồn)",
        "Cumulative people",
        "Cộng dồn theo danh sách",
        "Sum down the list",
    ),
    "people_in_reach": (
        "Dân trong vùng phủ",
        "People in reach",
        "Dân của mọi thôn mục tiêu trạm phủ tới",
        "Every target village it covers",
    ),
    "cumulative_cost": (
        "Chi phí cộng dồn",
        "Cumulative cost",
        "Cộng dồn theo danh sách",
        "Sum down the list",
    ),
    "ground_m": (
        "Cao độ (m)",
        "Ground (m)",
        "Cao độ mặt đất tại trạm so với mực nước biển",
        "Ground height above sea level under the site",
    ),
    "height_m": (
        "Độ cao anten (m)",
        "Antenna height (m)",
        "Anten so với mặt đất",
        "Antenna above ground",
    ),
    "frequency_mhz": ("Tần số (MHz)", "Frequency (MHz)", "Tần số sóng mang", "Carrier frequency"),
    "eirp_dbm": (
        "EIRP (dBm)",
        "EIRP (dBm)",
        "Theo hướng búp chính, của đại lượng mà ngưỡng đo",
        "On boresight, of what the threshold measures",
    ),
    "azimuth_deg": (
        "Hướng (độ)",
        "Azimuth (°)",
        "Hướng sector; để trống: vô hướng",
        "Sector azimuth; empty: omnidirectional",
    ),
    "beamwidth_deg": (
        "Độ rộng búp (độ)",
        "Beamwidth (°)",
        "Độ rộng búp nửa công suất",
        "Half-power beamwidth",
    ),
    "range_m": (
        "Bán kính (m)",
        "Range (m)",
        "Bán kính phủ với model: range",
        "Reach under model: range",
    ),
    "reach_m": (
        "Tầm phủ tối đa (m)",
        "Reach (m)",
        "Khoảng cách xa nhất tín hiệu còn đạt ngưỡng trên địa hình trống",
        "Farthest distance the signal reaches the threshold on open ground",
    ),
    "cluster": (
        "Cụm",
        "Cluster",
        "Cụm lõm sóng: các thôn một trạm có thể phục vụ",
        "Gap cluster: villages one site could serve",
    ),
    "people": (
        "Số dân",
        "People",
        "Số dân của các thôn trong cụm",
        "People in the cluster's villages",
    ),
    "n_communes": ("Số xã", "Communes (count)", "Số xã cụm trải qua", "How many communes it spans"),
}
COLUMNS.update(
    {
        key.format(t=tech.lower()): (
            vi.format(tech=tech),
            en.format(tech=tech),
            vi_meaning.format(tech=tech),
            en_meaning.format(tech=tech),
        )
        for key, (vi, en, vi_meaning, en_meaning) in PER_TECHNOLOGY.items()
        for tech in TECHNOLOGIES
    }
)

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
    "totals": (
        "Tổng cộng: {villages} thôn, {people} người, {communes} xã/phường.",
        "In all: {villages} villages, {people} people, {communes} communes.",
    ),
    "people_count": ("{people} người", "{people} people"),
    "people": ("Số dân", "People"),
    "gap_villages_chart": ("Số thôn lõm sóng theo xã", "Villages without 3G/4G/5G per commune"),
    "no_gap_villages": (
        "Không có thôn nào chưa có sóng 3G/4G/5G.",
        "No village is without 3G/4G/5G.",
    ),
    "challenges": ("Khiếu nại vùng phủ", "Challenges"),
    "technology": ("Công nghệ", "Technology"),
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
    "map_title": ("Bản đồ thôn lõm sóng", "Villages in the gaps"),
    "map_gap_mobile": ("Thôn chưa có sóng 3G/4G/5G", "Villages without 3G/4G/5G"),
    "map_gap_fibre": ("Thôn chỉ thiếu cáp quang", "Villages without fibre only"),
    "map_other": ("Thôn khác", "Other villages"),
    "map_communes": ("Ranh giới xã/phường", "Commune boundaries"),
    "total": ("Tổng", "Total"),
    "parameter": ("Tham số", "Parameter"),
    "key": ("Khóa trong tệp dự án", "Project file key"),
    "value": ("Giá trị", "Value"),
    "role": ("Dữ liệu", "Input"),
    "file": ("Tệp", "File"),
    "none": ("không có", "none"),
    "no_fibre_layer": ("không có lớp cáp quang", "no fibre layer"),
    "threshold": ("ngưỡng {dbm} dBm", "threshold {dbm} dBm"),
    "polygons": ("vùng phủ dạng polygon", "polygons"),
    "predicted": (
        "dự báo từ danh sách trạm, mô hình {model}, ngưỡng {dbm} dBm",
        "predicted from sites, model {model}, threshold {dbm} dBm",
    ),
    "mobile": ("Sóng 3G/4G/5G", "3G/4G/5G signal"),
    "fibre": ("Cáp quang", "Fibre"),
    "page": ("Trang", "Page"),
}

#: Parameters of a run (project-file keys) -> (vi, en); ``weight.<k>``, ``budget.sites.<c>``
#: and ``layer.<column>`` are labelled by :func:`parameter_label`.
PARAMETERS: dict[str, tuple[str, str]] = {
    "project": ("Dự án", "Project"),
    "coverage-gaps": ("Phiên bản coverage-gaps", "coverage-gaps version"),
    "targets": ("Mục tiêu", "Targets"),
    "build_technology": ("Công nghệ xây mới", "Build technology"),
    "reference_distance_km": ("Khoảng cách tham chiếu (km)", "Reference distance (km)"),
    "facility_distance_m": ("Bán kính cơ sở công cộng (m)", "Facility distance (m)"),
    "fibre.max_distance_m": ("Khoảng cách tối đa tới cáp quang (m)", "Fibre reach (m)"),
    "sites layer": ("Lớp trạm", "Sites layer"),
    "facilities layer": ("Lớp cơ sở công cộng", "Facilities layer"),
    "assignments": ("Bảng giao", "Assignments"),
    "dem": ("Mô hình số độ cao (DEM)", "Elevation model (DEM)"),
    "budget.money": ("Ngân sách", "Budget"),
    "budget.cost_per_site": ("Chi phí mỗi trạm", "Cost per site"),
    "budget.cost_per_km_fibre": ("Chi phí mỗi km cáp quang", "Cost per km of fibre"),
    "synthetic": ("Dữ liệu giả lập", "Synthetic data"),
    "weight.": ("Trọng số", "Weight"),
    "budget.sites.": ("Số trạm mới", "New sites"),
    "layer.": ("Vùng phủ", "Coverage"),
}

#: Input roles of ``run.json`` -> (vi, en); ``coverage:<column>`` is labelled by
#: :func:`parameter_label` too.
ROLES: dict[str, tuple[str, str]] = {
    "communes": ("Ranh giới xã/phường", "Commune boundaries"),
    "villages": ("Danh sách thôn", "Villages"),
    "coverage": ("Vùng phủ sóng", "Coverage"),
    "fibre": ("Cáp quang", "Fibre"),
    "sites": ("Trạm", "Sites"),
    "facilities": ("Cơ sở công cộng", "Public facilities"),
    "assignments": ("Bảng giao", "Assignments"),
    "dem": ("Mô hình số độ cao (DEM)", "Elevation model (DEM)"),
    "measurements": ("Số liệu đo", "Measurements"),
    "project": ("Tệp dự án", "Project file"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "vi" else pair[1]


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
    """The header of ``column`` in ``lang`` (the column name itself when it has no label).

    Examples
    --------
    >>> header("villages_gap_mobile", "vi"), header("pct_population_4g", "en")
    ('Thôn lõm sóng', 'People covered by 4G (%)')
    """
    vi, en, _, _ = COLUMNS.get(column, (column, column, "", ""))
    return vi if lang == "vi" else en


def text(key: str, lang: str) -> str:
    """A label of the lists or the report in ``lang``."""
    return _pick(TEXT[key], lang)


def legend(columns: Iterable[str], lang: str) -> list[tuple[str, str]]:
    """(header, meaning) of each column, both in ``lang``: the XLSX legend sheet.

    Examples
    --------
    >>> legend(["gap_mobile"], "vi")
    [('Lõm sóng', 'Không có sóng 3G/4G/5G')]
    """
    out = []
    for c in columns:
        vi, en, vi_meaning, en_meaning = COLUMNS.get(c, (c, c, "", ""))
        out.append((vi, vi_meaning) if lang == "vi" else (en, en_meaning))
    return out


def parameter_label(key: str, lang: str, *, layers: dict[str, str] | None = None) -> str:
    """The label of a run parameter (or of an input role such as ``coverage:viettel_4g``).

    ``layers`` names the coverage columns (``viettel_4g`` -> ``Viettel 4G``).

    Examples
    --------
    >>> parameter_label("weight.people", "vi"), parameter_label("budget.sites.VNPT", "en")
    ('Trọng số: Điểm dân số', 'New sites: VNPT')
    >>> parameter_label("coverage:viettel_4g", "vi", layers={"viettel_4g": "Viettel 4G"})
    'Vùng phủ sóng: Viettel 4G'
    """
    names = layers or {}
    if key in PARAMETERS:
        return _pick(PARAMETERS[key], lang)
    if key in ROLES:
        return _pick(ROLES[key], lang)
    head, sep, rest = key.partition(":")
    if sep and head in ROLES:
        return f"{_pick(ROLES[head], lang)}: {names.get(rest, rest)}"
    for prefix in ("weight.", "budget.sites.", "layer."):
        if key.startswith(prefix):
            rest = key.removeprefix(prefix)
            score = f"score_{rest}"  # a weight is that of its score component
            shown = header(score, lang) if prefix == "weight." and score in COLUMNS else rest
            shown = names.get(rest, shown)
            return f"{_pick(PARAMETERS[prefix], lang)}: {shown}"
    return key


def value_text(key: str, lang: str, **fields: object) -> str:
    """A value written in words (``none``, ``threshold {} dBm``, ...) in ``lang``."""
    out = _pick(TEXT[key], lang)
    return out.format(**fields) if fields else out


def _map_column(column: str) -> tuple[str, str]:
    vi, en, _, _ = COLUMNS[column]
    return vi, en


def _map_template(key: str) -> tuple[str, str]:
    vi, en, _, _ = PER_TECHNOLOGY[key]
    return vi, en


#: Every user-visible string of ``map.html`` (:mod:`coverage_gaps.maps`): key -> (vi, en).
#: ``{tech}`` is replaced by a technology (2G ... 5G). Column labels come from
#: :data:`COLUMNS`.
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
    "coverage_predicted": (
        "Vùng phủ dự báo (từ danh sách trạm)",
        "Predicted coverage (from sites)",
    ),
    "fibre_layer": ("Tuyến cáp quang", "Fibre routes"),
    "osm": ("Bản đồ OpenStreetMap", "OpenStreetMap"),
    "satellite": ("Ảnh vệ tinh (Esri)", "Satellite (Esri)"),
    "search": ("Tìm thôn, xã (gõ không dấu được)", "Find a village or commune"),
    "commune": ("Xã/phường", "Commune"),
    "population": _map_column("population"),
    "mobile": ("Sóng di động", "Mobile signal"),
    "best_none": ("không có sóng", "no signal"),
    "offers": ("Doanh nghiệp có sóng", "What each carrier offers"),
    "nothing": ("không có", "nothing"),
    "fibre_distance": ("Cách cáp quang", "Distance to fibre"),
    "no_fibre_layer": ("không có dữ liệu cáp quang", "no fibre layer"),
    "rank": ("Thứ tự ưu tiên", "Priority rank"),
    "assigned": ("Doanh nghiệp được giao", "Assigned carrier"),
    "not_listed": ("không trong danh sách", "not on the lists"),
    "commune_id": _map_column("commune_id"),
    "province": _map_column("province_name"),
    "villages": _map_column("villages"),
    "villages_gap_mobile": _map_column("villages_gap_mobile"),
    "population_gap_mobile": _map_column("population_gap_mobile"),
    "villages_gap_fibre": _map_column("villages_gap_fibre"),
    "population_gap_fibre": _map_column("population_gap_fibre"),
    "villages_no_4g": _map_column("villages_no_4g"),
    "population_no_4g": _map_column("population_no_4g"),
    "pct_population": _map_template("pct_population_{t}"),
    "pct_area": _map_template("pct_area_{t}"),
    "area_km2": _map_column("area_km2"),
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


#: Labels of the map of a large run only (gap points per H3 cell, see
#: :mod:`coverage_gaps.outputs.maps.aggregate`); kept apart from :data:`MAP`, whose labels
#: every page carries.
MAP_AGGREGATED: dict[str, tuple[str, str]] = {
    "gap_cells": (
        "Điểm lõm sóng hoặc chưa có cáp quang theo ô H3",
        "Gap points (no 3G/4G/5G or no fibre) per H3 cell",
    ),
}


def map_text(key: str, lang: str, **fields: str) -> str:
    """A label of the map in ``lang`` (``vi`` or ``en``)."""
    vi, en = MAP[key] if key in MAP else MAP_AGGREGATED[key]
    out = vi if lang == "vi" else en
    return out.format(**fields) if fields else out
