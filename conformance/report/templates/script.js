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
  // sortable tables: a click on a header sorts by that column (numbers by data-sort), again reverses
  document.querySelectorAll('table.sortable').forEach(table=>{
    table.querySelectorAll('thead th').forEach((th, col)=>th.addEventListener('click',()=>{
      const body = table.tBodies[0], rows = Array.from(body.rows);
      const key = r=>{const c=r.cells[col]; return c.dataset.sort!==undefined ? Number(c.dataset.sort) : c.textContent;};
      const down = th.dataset.order !== 'up'; th.dataset.order = down ? 'up' : 'down';
      rows.sort((a,b)=>{const x=key(a), y=key(b); const d = (typeof x==='number' && typeof y==='number')
        ? (isNaN(x)-isNaN(y) || x-y) : String(x).localeCompare(String(y)); return down ? d : -d;});
      body.append(...rows);
    }));
  });
  document.body.dataset.ready = 'yes';
})();
