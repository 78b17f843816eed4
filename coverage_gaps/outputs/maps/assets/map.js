/* coverage-gaps map.html: the page script. Called at the end with the Leaflet map and the page
   data D (built by coverage_gaps/outputs/maps/payload.py); every name is put into the page with
   textContent, never as HTML. */
var cg = (function(map, D){
  "use strict";
  var T = D.t, nf = new Intl.NumberFormat(D.locale);
  function el(tag, cls, text){var e=document.createElement(tag); if(cls){e.className=cls;}
    if(text!==undefined && text!==null){e.textContent=String(text);} return e;}
  function num(x){return (x===null||x===undefined)?'—':nf.format(x);}
  function row(tb, k, v){var tr=el('tr'); tr.appendChild(el('th',null,k));
    tr.appendChild(el('td',null,v)); tb.appendChild(tr);}
  function fold(s){return String(s).normalize('NFD').replace(/[\u0300-\u036f]/g,'')
    .replace(/\u0111/g,'d').replace(/\u0110/g,'D').toLowerCase();}
  var out = {map: map, markers: [], groups: [], communes: null, names: null, D: D};
  // ----------------------------------------------------------------- communes
  var C = D.c, mode = 'v';
  function colour(v){ if(v===null){return D.nodata;}
    for(var b=1;b<D.bins.length;b++){ if(v<D.bins[b] || b===D.bins.length-1){return D.colours[b-1];}}
    return D.colours[D.colours.length-1];}
  function cstyle(f){var i=f.properties.i; var v=(mode==='v'?C.sv:C.sp)[i];
    return {color:'#555', weight:1, opacity:0.9, fillColor:colour(v), fillOpacity:0.55};}
  function communePopup(i){var d=el('div','cg-pop'); d.appendChild(el('h4',null,C.name[i]));
    var tb=el('table'); for(var k=0;k<C.cols.length;k++){var v=C.rows[k][i];
      row(tb, C.labels[k], typeof v==='number'?num(v):v);} d.appendChild(tb); return d;}
  out.communes = L.geoJSON(C.geo, {style: cstyle, onEachFeature: function(f, layer){
      var i=f.properties.i; layer.cgIndex=i;
      layer.bindTooltip(function(){return el('span',null,C.name[i]);}, {sticky:true});
      layer.bindPopup(function(){return communePopup(i);}, {maxWidth:360});
      layer.options.className='cg-commune';}});
  out.setMode = function(m){mode=m; out.communes.setStyle(cstyle);};
  function zoomClass(){var c=map.getContainer();
    if(map.getZoom()<11){L.DomUtil.addClass(c,'cg-small');} else {L.DomUtil.removeClass(c,'cg-small');}}
  map.on('zoomend', zoomClass); map.whenReady(zoomClass);
  out.names = L.layerGroup();
  for(var j=0;j<C.name.length;j++){ if(C.lat[j]===null){continue;}
    var t=L.tooltip({permanent:true, direction:'center', className:'cg-label', interactive:false})
      .setLatLng([C.lat[j], C.lon[j]]).setContent(el('span',null,C.name[j]));
    out.names.addLayer(t);}
  // ----------------------------------------------------------------- villages
  var V = D.v;
  function offers(i, c){var hex=V.cov[i], got=[];
    for(var l=0;l<D.layers.length;l++){ if(D.layers[l][0]!==c){continue;}
      var digit=parseInt(hex.charAt(hex.length-1-(l>>2))||'0',16);
      if((digit>>(l&3))&1){got.push(D.layers[l][1]);}}
    return got.length?got.join(', '):T.nothing;}
  function villagePopup(i){var d=el('div','cg-pop'); d.appendChild(el('h4','cg-name',V.name[i]));
    var tb=el('table'); row(tb, T.commune, C.name[V.c[i]]===undefined?'':C.name[V.c[i]]);
    row(tb, T.population, num(V.pop[i]));
    row(tb, T.mobile, V.best[i]==='none'?T.best_none:V.best[i]);
    for(var c=0;c<D.carriers.length;c++){row(tb, D.carriers[c], offers(i, D.carriers[c]));}
    row(tb, T.fibre_distance, D.fibre?(V.fd[i]===null?'—':num(V.fd[i])+' m'):T.no_fibre_layer);
    row(tb, T.rank, V.rank[i]===null?T.not_listed:num(V.rank[i]));
    row(tb, T.assigned, V.car[i]===null?'—':D.carriers_all[V.car[i]]);
    d.appendChild(tb); return d;}
  function clusterIcon(k){return function(cl){var d=el('div'); d.appendChild(el('span',null,cl.getChildCount()));
    return L.divIcon({html:d, className:'marker-cluster cg-cluster cg-ck'+k, iconSize:L.point(34,34)});};}
  for(var k=0;k<D.kinds.length;k++){
    out.groups.push(D.cluster ? L.markerClusterGroup({iconCreateFunction: clusterIcon(k),
      chunkedLoading:true, disableClusteringAtZoom:14, showCoverageOnHover:false,
      maxClusterRadius:50}) : L.featureGroup());}
  var batches = D.kinds.map(function(){return [];});
  for(var i=0;i<V.lat.length;i++){ var kind=V.k[i], q=D.kinds[kind];
    var m=L.circleMarker([V.lat[i], V.lon[i]], {radius: kind===4?3:6, color:'#333', weight:kind===4?0.5:1,
      fillColor:q[1], fillOpacity:kind===4?0.5:0.9, className:'cg-village cg-k'+kind});
    m.cgIndex=i;
    (function(n){ m.bindPopup(function(){return villagePopup(n);}, {maxWidth:360});
      m.bindTooltip(function(){return el('span',null,V.name[n]);}); })(i);
    out.markers.push(m); batches[kind].push(m);}
  for(var b=0;b<batches.length;b++){ if(D.cluster){out.groups[b].addLayers(batches[b]);}
    else {for(var z=0;z<batches[b].length;z++){out.groups[b].addLayer(batches[b][z]);}}}
  // ----------------------------------------------------------------- search
  var index=[];
  for(var s=0;s<V.name.length;s++){index.push([fold(V.name[s]), 'v', s]);}
  for(var s2=0;s2<C.name.length;s2++){index.push([fold(C.name[s2]), 'c', s2]);}
  function go(kind, i){
    if(kind==='v'){var m=out.markers[i], g=out.groups[V.k[i]]; if(!map.hasLayer(g)){map.addLayer(g);}
      if(D.cluster){g.zoomToShowLayer(m, function(){m.openPopup();});}
      else {map.setView(m.getLatLng(), Math.max(map.getZoom(), 14)); m.openPopup();}}
    else {out.communes.eachLayer(function(l){ if(l.cgIndex===i){
      if(!map.hasLayer(out.communes)){map.addLayer(out.communes);}
      map.fitBounds(l.getBounds()); l.openPopup();}});}}
  var Search = L.Control.extend({options:{position:'topleft'}, onAdd: function(){
    var box=el('div','cg-search leaflet-bar'), input=el('input'), list=el('ul');
    input.type='search'; input.placeholder=T.search; input.setAttribute('aria-label', T.search);
    box.appendChild(input); box.appendChild(list);
    L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
    input.addEventListener('input', function(){ while(list.firstChild){list.removeChild(list.firstChild);}
      var q=fold(input.value).trim(); if(q.length<2){return;} var n=0;
      for(var r=0;r<index.length && n<12;r++){ if(index[r][0].indexOf(q)<0){continue;} n++;
        var it=index[r], li=el('li','cg-result',
          it[1]==='v' ? V.name[it[2]]+' — '+(C.name[V.c[it[2]]]||'') : C.name[it[2]]+' ('+T.commune+')');
        (function(x){li.addEventListener('click', function(){go(x[1], x[2]);});})(it);
        list.appendChild(li);}});
    return box;}});
  out.search = new Search().addTo(map);
  // ----------------------------------------------------------------- legend and title
  var Legend = L.Control.extend({options:{position:'bottomleft'}, onAdd: function(){
    var d=el('div','cg-legend'); d.appendChild(el('h4',null,T.legend));
    [['v',T.share_villages],['p',T.share_population]].forEach(function(o){
      var lab=el('label'), r=el('input'); r.type='radio'; r.name='cg-mode'; r.value=o[0];
      r.checked=(o[0]===mode); r.addEventListener('change', function(){out.setMode(o[0]);});
      lab.appendChild(r); lab.appendChild(document.createTextNode(' '+o[1])); d.appendChild(lab);});
    for(var b=0;b<D.colours.length;b++){var line=el('div'), sw=el('i'); sw.style.background=D.colours[b];
      line.appendChild(sw); line.appendChild(document.createTextNode(D.bins[b]+'–'+D.bins[b+1]+' %'));
      d.appendChild(line);}
    var nd=el('div'), s0=el('i'); s0.style.background=D.nodata; nd.appendChild(s0);
    nd.appendChild(document.createTextNode(T.no_villages)); d.appendChild(nd);
    if(V.lat.length){ d.appendChild(el('h4',null,T.villages_title));
      D.kinds.forEach(function(q){var line=el('div'), sw=el('i','cg-dot'); sw.style.background=q[1];
        line.appendChild(sw); line.appendChild(document.createTextNode(q[0])); d.appendChild(line);});}
    L.DomEvent.disableClickPropagation(d); return d;}});
  out.legend = new Legend().addTo(map);
  // ----------------------------------------------------------------- basemap offline, credits
  // Without a connection every tile fails: the tiles (and the mini map) are hidden, leaving a
  // plain background with the province outline and a note; the first tile that loads undoes it.
  out.outline = L.geoJSON(D.outline, {style: {color: '#222', weight: 2.5, opacity: 0.9, fill: false},
    interactive: false});
  out.offline = false;
  var Note = L.Control.extend({options:{position:'bottomright'}, onAdd: function(){
    return el('div', 'cg-note', T.offline);}});
  var note = null;
  function setOffline(on){ if(on===out.offline){return;} out.offline=on; var c=map.getContainer();
    if(on){L.DomUtil.addClass(c, 'cg-offline'); note=new Note().addTo(map); out.outline.addTo(map);}
    else {L.DomUtil.removeClass(c, 'cg-offline'); note.remove(); note=null; map.removeLayer(out.outline);}}
  function watchTiles(layer){ if(!(layer instanceof L.TileLayer) || layer.cgWatched){return;}
    layer.cgWatched=true;
    layer.on('tileerror', function(){ if(!layer.cgLoaded){setOffline(true);} });
    layer.on('tileload', function(){ layer.cgLoaded=true; setOffline(false); });}
  map.eachLayer(watchTiles); map.on('layeradd', function(e){watchTiles(e.layer);});
  function esc(s){return String(s).replace(/[&<>"']/g, function(ch){return '&#'+ch.charCodeAt(0)+';';});}
  map.attributionControl.addAttribution(D.credits.map(esc).join(', '));
  return out;
})(MAPNAME, DATA);
window.cgMap = cg;
