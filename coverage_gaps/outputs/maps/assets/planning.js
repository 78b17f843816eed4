/* coverage-gaps map.html: the planning layers (where to build). Called at the end with the
   Leaflet map and the planning data P (built by coverage_gaps/outputs/maps/planning.py);
   every name is put into the page with textContent, never as HTML. Returns the layers
   {sites, villages, clusters} that the layer control lists. */
var cgPlan = (function(map, P){
  "use strict";
  var T = P.t, nf = new Intl.NumberFormat(P.locale);
  function el(tag, cls, text){var e=document.createElement(tag); if(cls){e.className=cls;}
    if(text!==undefined && text!==null){e.textContent=String(text);} return e;}
  function num(x){return (x===null||x===undefined)?'—':nf.format(x);}
  function row(tb, k, v){var tr=el('tr'); tr.appendChild(el('th',null,k));
    tr.appendChild(el('td',null,v)); tb.appendChild(tr);}
  function popup(title, rows){var d=el('div','cg-pop'); d.appendChild(el('h4',null,title));
    var tb=el('table'); rows.forEach(function(r){row(tb, r[0], r[1]);}); d.appendChild(tb);
    return d;}
  var S = P.s, V = P.v, out = {};
  // ----------------------------------------------------------------- gap clusters (lots)
  out.clusters = L.geoJSON(P.clusters, {interactive: true,
    style: {color: P.colours.cluster, weight: 1.5, dashArray: '4 3', fillColor: P.colours.cluster,
            fillOpacity: 0.12},
    onEachFeature: function(f, layer){ var q=f.properties;
      layer.bindPopup(function(){return popup(T.plan_cluster+' '+q.cluster, [
        [T.plan_villages_count, num(q.villages)], [T.plan_people, num(q.people)],
        [T.plan_communes, q.communes], [T.plan_served_by, q.site_id]]);}, {maxWidth: 360});}});
  // ----------------------------------------------------------------- villages the sites cover
  out.villages = L.featureGroup();
  for(var i=0;i<V.lat.length;i++){ var k=V.site[i];
    L.polyline([[S.lat[k], S.lon[k]], [V.lat[i], V.lon[i]]], {color: P.colours.link, weight: 1,
      opacity: 0.7, interactive: false}).addTo(out.villages);
    var m=L.circleMarker([V.lat[i], V.lon[i]], {radius: 5, color: '#333', weight: 1,
      fillColor: P.colours.village, fillOpacity: 0.95, className: 'cg-plan-village'});
    (function(n){ m.bindPopup(function(){return popup(V.name[n], [
        [T.plan_population, num(V.pop[n])], [T.plan_covered_by, S.id[V.site[n]]],
        [T.plan_order, num(S.order[V.site[n]])]]);}, {maxWidth: 360});
      m.bindTooltip(function(){return el('span',null,V.name[n]);}); })(i);
    m.addTo(out.villages);}
  // ----------------------------------------------------------------- proposed sites
  out.sites = L.featureGroup();
  for(var j=0;j<S.lat.length;j++){
    var icon=L.divIcon({html: el('span', null, S.order[j]), className: 'cg-plan-site',
      iconSize: L.point(24, 24)});
    var s=L.marker([S.lat[j], S.lon[j]], {icon: icon, keyboard: false, title: String(S.id[j])});
    (function(n){ s.bindPopup(function(){return popup(T.plan_site+' '+S.id[n], [
        [T.plan_order, num(S.order[n])], [T.plan_commune, S.commune[n]],
        [T.plan_new_villages, num(S.nv[n])], [T.plan_new_people, num(S.np[n])],
        [T.plan_cost, num(S.cost[n])]]);}, {maxWidth: 360}); })(j);
    s.addTo(out.sites);}
  return out;
})(MAPNAME, DATA);
