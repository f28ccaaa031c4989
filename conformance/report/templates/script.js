// Draws the page's details on demand from #page-data (data.py says its shape): the filtered
// matrix, a clicked cell's checks, a finding's checks, a golden case's values, the agreement
// views. Text from the results reaches the page only through textContent, never as markup.
(function(){
  const started = performance.now();
  const D = JSON.parse(document.getElementById('page-data').textContent);
  // each check is an array of D.fields' values (trailing absent ones left off): as an object
  D.records = D.records.map(a=>{const r={}; D.fields.forEach((f,n)=>{ if(a[n]!==undefined && a[n]!==null) r[f]=a[n]; }); return r;});
  const S = D.strings, OUT = D.outcomes;
  const PASSED = OUT.indexOf('passed');
  function el(tag, text, cls){const e=document.createElement(tag);
    if(text!==undefined && text!==null)e.textContent=text; if(cls)e.className=cls; return e;}
  const cls = o=>'o-'+o.replace(/ /g,'-');
  // a number as the page shows it: 3 significant digits, powers of ten beyond 1e5
  const fmt = x=>{ if(x===undefined) return ''; if(typeof x!=='number') return String(x);
    const a = Math.abs(x); return (a>=1e5 || (a>0 && a<1e-3)) ? x.toExponential(2) : String(Number(x.toPrecision(3))); };
  const num = x=>x==='inf' ? Infinity : x==='-inf' ? -Infinity : Number(x);
  // Python's shlex.quote
  const quote = s=>s==='' ? "''" : (/[^\w@%+=:,./-]/.test(s) ? "'"+s.replace(/'/g,"'\"'\"'")+"'" : s);
  function checkId(r){
    if(r.i!==undefined) return r.i;
    const row = D.rows[r.r], col = D.cols[r.c];
    const first = r.k!==undefined ? S[r.k] : row[1];
    return row[3]+[first, row[2], col[1], col[2], col[3], col[4]].join('-')+']';
  }
  function reproduce(r){ return r.p!==undefined ? r.p : 'pytest '+quote(checkId(r))+D.suffixes[r.s||0]; }
  function where(r){ if(r.c===undefined) return ''; const c=D.cols[r.c], row=D.rows[r.r];
    return [row[1], row[2], c[1], c[2], c[3], c[4]].filter(x=>x).join(' · '); }
  // One check, as a block: outcome, where, case, error against bounds, values, message, reason, command.
  function checkBlock(r, withWhere){
    const d = el('div', undefined, 'check'), head = el('div');
    const metrics = r.e!==undefined ? '  error '+fmt(r.e)+' eps (bounds: tight '+fmt(r.t!==undefined?r.t:r.b)+', worst-case '+fmt(r.b)+')'
      +(r.u!==undefined ? ', '+fmt(r.u)+' ulps' : '') : '';
    head.append(el('span', OUT[r.o], 'badge '+cls(OUT[r.o])),
      el('span', ' '+(withWhere ? where(r)+' ' : '')+(r.k!==undefined ? 'case '+S[r.k] : '')+metrics));
    d.append(head);
    if(r.n!==undefined) d.append(el('div', r.n+' checks alike (this outcome'+(r.m!==undefined ? ' and message' : '')+'): '
      +(OUT[r.o]==='passed' ? 'the one with the largest error is shown' : 'one is shown')+'; the results file holds each', 'muted'));
    if(r.x!==undefined) d.append(el('div', 'exact '+S[r.x]+', got '+S[r.g], 'muted'));
    if(r.m!==undefined) d.append(el('pre', S[r.m]));
    if(r.d!==undefined) d.append(el('div', 'known divergence '+S[r.d]+': '+D.reasons[r.d], 'muted'));
    d.append(el('code', reproduce(r)));
    return d;
  }
  // The panel at the foot of the window: a clicked cell's checks.
  const panel = document.getElementById('panel');
  function showChecks(title, records){
    panel.replaceChildren();
    const close = el('button','close','close'); close.onclick=()=>panel.classList.remove('open');
    panel.append(close, el('h3', title));
    for(const i of records) panel.append(checkBlock(D.records[i], false));
    panel.classList.add('open');
  }
  // The matrix, behind filters: framework, implementation, dtype, mode (columns), check (rows), outcome (checks).
  const form = document.getElementById('filters');
  const FIELDS = [['framework', r=>D.cols[r.c][0]], ['implementation', r=>D.cols[r.c][1]],
    ['dtype', r=>D.cols[r.c][3]], ['mode', r=>D.cols[r.c][4]], ['check', r=>D.rows[r.r][1]],
    ['outcome', r=>OUT[r.o]]];
  const inMatrix = D.records.map((r,i)=>i).filter(i=>D.records[i].c!==undefined && D.records[i].r>=0);
  const PROBLEMS = 'not passed (no skips)', NOT_RUN = ['unsupported','rejected','skipped'];
  const selects = {};
  for(const [name, get] of FIELDS){
    const values = [...new Set(inMatrix.map(i=>get(D.records[i])))];
    if(name==='outcome') values.sort((a,b)=>OUT.indexOf(a)-OUT.indexOf(b)); else values.sort();
    const label = el('label', name+' '), select = el('select');
    select.name = name; select.append(el('option', 'any'));
    if(name==='outcome') select.append(el('option', PROBLEMS));
    for(const v of values) select.append(el('option', v));
    label.append(select); form.append(label); selects[name] = select;
    select.addEventListener('change', drawMatrix);
  }
  const problems = inMatrix.some(i=>{const o=OUT[D.records[i].o]; return o!=='passed' && !NOT_RUN.includes(o);});
  if(problems) selects.outcome.value = PROBLEMS;
  function keep(r){
    for(const [name, get] of FIELDS){
      const want = selects[name].value;
      if(want==='any') continue;
      const v = get(r);
      if(want===PROBLEMS ? (v==='passed' || NOT_RUN.includes(v)) : v!==want) return false;
    }
    return true;
  }
  function drawMatrix(){
    const table = document.getElementById('matrix'); table.replaceChildren();
    const cells = new Map();
    for(const i of inMatrix){ const r = D.records[i]; if(!keep(r)) continue;
      const key = r.r+','+r.c; if(!cells.has(key)) cells.set(key, []); cells.get(key).push(i); }
    const rows = [...new Set([...cells.keys()].map(k=>+k.split(',')[0]))].sort((a,b)=>a-b);
    const cols = [...new Set([...cells.keys()].map(k=>+k.split(',')[1]))].sort((a,b)=>a-b);
    document.getElementById('matrix-empty').hidden = cells.size>0;
    if(!cells.size) return;
    // header rows: implementation, device, dtype, mode; a run of equal values spans its columns
    for(const [level, depth] of [['impl',2],['device',3],['dtype',4],['mode',5]]){
      const tr = el('tr'); tr.append(el('th', undefined, 'corner'));
      let last = null, th = null;
      for(const c of cols){ const key = D.cols[c].slice(1, depth).join('\u0000');
        if(key===last){ th.colSpan += 1; continue; }
        last = key; th = el('th', D.cols[c][depth-1], level); th.title = D.cols[c][depth-1]; tr.append(th); }
      table.append(tr);
    }
    let operation = null;
    for(const row of rows){
      const [op, test, labels] = D.rows[row];
      if(op!==operation){ operation = op; const tr = el('tr'), th = el('th', op||'(no operation)');
        th.colSpan = cols.length+1; tr.append(th); table.append(tr); }
      const tr = el('tr'); tr.append(el('th', labels ? test+' ('+labels+')' : test));
      for(const c of cols){
        const found = cells.get(row+','+c);
        if(!found){ tr.append(el('td')); continue; }
        const records = found.map(i=>D.records[i]);
        const worst = Math.min(...records.map(r=>r.o));
        const errors = records.filter(r=>r.e!==undefined).map(r=>r.e);
        const err = errors.includes('nan') ? 'nan' : errors.length ? errors.reduce((a,b)=>num(a)>=num(b)?a:b) : undefined;
        const shown = NOT_RUN.includes(OUT[worst]) ? '-' : fmt(err);
        const td = el('td', shown, 'cell '+cls(OUT[worst]));
        td.title = OUT[worst]+': '+records.reduce((n,r)=>n+(r.n||1), 0)+' check(s); worst error '+shown+' eps';
        const title = (labels ? test+' ('+labels+')' : test)+' · '+D.cols[c].slice(1).join(' · ');
        td.addEventListener('click', ()=>showChecks(title, found));
        tr.append(td);
      }
      table.append(tr);
    }
  }
  drawMatrix();
  // Findings: a click opens its reason, evidence, command and (drawn once) every check behind it.
  document.querySelectorAll('tr.finding').forEach(tr=>{
    const open = ()=>{ const body = tr.nextElementSibling; body.hidden = !body.hidden;
      const box = body.querySelector('.checks');
      if(!body.hidden && !box.childElementCount)
        for(const i of D.findings[+tr.dataset.finding]) box.append(checkBlock(D.records[i], true)); };
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', e=>{ if(e.key==='Enter' || e.key===' '){ e.preventDefault(); open(); } });
  });
  // Golden cases: every implementation's value, drawn when the case is opened.
  function drawGolden(details){
    const table = details.querySelector('table.golden-results');
    if(table.childElementCount) return;
    const head = el('tr');
    for(const h of ['implementation','device','dtype','mode','labels','check','exact','value','error (eps)','bound (eps)','outcome']) head.append(el('th', h));
    table.append(head);
    for(const i of D.golden[+details.dataset.golden]){
      const r = D.records[i], c = D.cols[r.c] || ['','','','',''], row = D.rows[r.r] || ['','',''];
      const tr = el('tr');
      for(const v of [c[1], c[2], c[3], c[4], row[2], row[1], S[r.x], S[r.g], fmt(r.e), fmt(r.b)]) tr.append(el('td', v));
      tr.append(el('td', OUT[r.o], cls(OUT[r.o]))); table.append(tr);
    }
  }
  document.querySelectorAll('details.golden').forEach(d=>{
    if(d.open) drawGolden(d); d.addEventListener('toggle', ()=>{ if(d.open) drawGolden(d); }); });
  // Agreement: one view per operation, dtype and quantity; the selector picks the mode.
  function heatColour(d){ if(d==='inf' || d==='nan') return '#333';
    const t = Math.min(Math.log10(1+num(d))/6, 1); return 'hsl('+Math.round(60*(1-t))+',90%,'+Math.round(97-45*t)+'%)'; }
  function drawAgreement(box){
    const view = D.agreement[+box.dataset.view], m = view.modes[box.querySelector('select').value];
    const table = box.querySelector('table.heat'); table.replaceChildren();
    const worst = new Map(m.pairs.map(([i,j,d,c])=>[i+','+j, [d,c]]));
    const head = el('tr'); head.append(el('th'));
    m.names.forEach((n,i)=>head.append(el('th', String(i+1)))); table.append(head);
    m.names.forEach((a,i)=>{ const tr = el('tr'); tr.append(el('th', (i+1)+'. '+a));
      m.names.forEach((b,j)=>{ const found = worst.get(Math.min(i,j)+','+Math.max(i,j));
        if(i===j){ tr.append(el('td','·','muted')); return; }
        if(!found){ tr.append(el('td')); return; }
        const td = el('td', fmt(found[0])); td.style.background = heatColour(found[0]);
        td.style.color = (found[0]==='inf'||found[0]==='nan') ? '#fff' : '#000';
        td.title = a+' vs '+b+': '+fmt(found[0])+' eps on case '+found[1]; tr.append(td); });
      table.append(tr); });
    if(m.excluded) box.querySelector('h3').title = m.excluded+' pairs with different exact answers (conventions) left out';
  }
  document.querySelectorAll('.agreement-view').forEach(box=>{
    drawAgreement(box); box.querySelector('select').addEventListener('change', ()=>drawAgreement(box)); });
  // The error plots' dots (the frame is drawn in the page): a title names the checks drawn there.
  const SVG = 'http://www.w3.org/2000/svg', RING = {worst: '#c00', tight: '#e08000'};
  document.querySelectorAll('svg.plot').forEach(svg=>{
    for(const [x, y, colour, over, checks] of D.plot[+svg.dataset.plot]){
      const c = document.createElementNS(SVG, 'circle');
      for(const [k, v] of [['cx', x], ['cy', y], ['r', 3.5], ['fill', colour], ['fill-opacity', 0.7]]) c.setAttribute(k, v);
      if(RING[over]){ c.setAttribute('stroke', RING[over]); c.setAttribute('stroke-width', 2); }
      const lines = checks.slice(0, 4).map(i=>{const r = D.records[i];
        return S[r.k]+': '+where(r).split(' · ').slice(2).join(' · ')+': '+fmt(r.e)+' eps (bounds: tight '+fmt(r.t!==undefined?r.t:r.b)+', worst-case '+fmt(r.b)+')';});
      if(checks.length>4) lines.push('and '+(checks.length-4)+' more checks here');
      const title = document.createElementNS(SVG, 'title'); title.textContent = lines.join('\n');
      c.append(title); svg.append(c);
    }
  });
  // Sortable tables: a click on a header sorts by that column (numbers by data-sort), again reverses.
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
  document.body.dataset.readyMs = (performance.now()-started).toFixed(1);
  document.body.dataset.ready = 'yes';
})();
