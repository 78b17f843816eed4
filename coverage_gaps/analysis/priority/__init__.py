"""Which villages to cover first, and by whom.

Every village on a target list (by default: ``gap_mobile`` or ``gap_fibre``) gets a
score from 0 to 100, the weighted sum of six components in [0, 1]
(see :data:`coverage_gaps.config.priority.DEFAULT_WEIGHTS` and ``docs/PRIORITY.md``):

- **people**: population / largest population among the candidates;
- **mobile**: severity of the mobile gap: no signal 1, 2G only 0.7, 3G only (no 4G) 0.4;
- **fibre**: 1 when there is no fibre within reach;
- **importance**: 1 when a public facility (commune centre, school, health station,
  public-service point) lies within ``facility_distance_m``;
- **readiness**: 1 with grid electricity, 0 without, 0.5 when unknown (the universal-service
  programme treats villages with and without power separately: QĐ 2269/QĐ-TTg, 2021);
- **cost**: 1 next to existing infrastructure of the carrier (a site with the build
  technology for a mobile gap, fibre for a fibre-only gap), falling linearly to 0 at
  ``reference_distance_km``; with a DEM, 30 % of it comes from the local relief instead.

Each village is assigned to exactly one carrier: the one an assignment table names, else
the one with the nearest existing site of the build technology (mobile gaps) or the owner
of the nearest fibre (fibre-only gaps), else the one covering most of the commune's villages.
Ties between carriers go to the alphabetically first; ties in score to the smaller village id.

Modules: :mod:`.ranking` (:func:`rank_villages`, the whole list), :mod:`.scoring` (needs,
components, score, ranks), :mod:`.assignment` (:func:`assign_carriers`), :mod:`.infrastructure`
(nearest sites and fibre, coverage shares), :mod:`.terrain` (relief from the DEM),
:mod:`.reasons` (the plain-language reason), :mod:`.budget` (:func:`select_within_budget`) and
:mod:`.sharing` (:func:`sharing_opportunities`).
"""

from .assignment import assign_carriers
from .budget import select_within_budget
from .ranking import rank_villages
from .sharing import sharing_opportunities

__all__ = ["assign_carriers", "rank_villages", "select_within_budget", "sharing_opportunities"]
