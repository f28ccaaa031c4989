// Renders a clicked matrix cell's checks into #details; data only through textContent.
(function(){
  const data = JSON.parse(document.getElementById('cell-data').textContent);
  const box = document.getElementById('details');
  function el(tag, text, cls){const e=document.createElement(tag);
    if(text!==undefined)e.textContent=text; if(cls)e.className=cls; return e;}
  function show(key){
    const cell = data[key]; box.replaceChildren();
    const close = el('button','close'); close.onclick=()=>box.classList.remove('open');
    box.append(close, el('h3', cell.title));
    for(const r of cell.records){
      const d = el('div');
      const metrics = r.error_eps!==undefined ? '  error '+r.error_eps+' eps, bound '+r.bound_eps : '';
      const head = el('div');
      head.append(el('span', r.outcome, 'badge o-'+r.outcome.replace(/ /g,'-')),
        el('span', ' '+(r.case||'')+metrics));
      d.append(head);
      if(r.message) d.append(el('pre', r.message));
      if(r.reason) d.append(el('div', 'known divergence: '+r.reason, 'muted'));
      if(r.reproduce) d.append(el('code', r.reproduce));
      box.append(d);
    }
    box.classList.add('open');
  }
  document.querySelectorAll('td.cell').forEach(td=>td.addEventListener('click',()=>show(td.dataset.key)));
  document.body.dataset.ready = 'yes';
})();
