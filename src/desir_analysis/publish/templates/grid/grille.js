// The self-assessment page's script (inlined by desir_analysis.publish.grid_page); same rule as recognition.evaluate.
const D = JSON.parse(document.getElementById('grid-data').textContent);
function missing(a) { return a === null || a === undefined || String(a).trim() === ''; }
function check(a, c) {
  if (missing(a)) return null;
  const s = String(a).trim();
  if (c.test === 'in') return c.value.split('|').includes(s);
  const x = Number(s.replace(',', '.'));
  if (Number.isNaN(x)) return 'invalid';
  return x >= Number(c.value);
}
function labelOf(item) { return D.questions.find(q => q.item === item).label; }
function evaluate(answers) {
  return D.principles.map(p => {
    const results = p.criteria.map(c => check(answers[c.item], c));
    const invalid = p.criteria.filter((c, i) => results[i] === 'invalid').map(c => 'nombre attendu : « ' + labelOf(c.item) + ' »');
    const failed = p.criteria.filter((c, i) => results[i] === false).map(c => c.failed);
    const unanswered = p.criteria.filter((c, i) => results[i] === null).map(c => 'sans réponse : « ' + labelOf(c.item) + ' »');
    let status, reasons;
    if (invalid.length) { status = 'invalid'; reasons = invalid; }
    else if (failed.length) { status = 'not_met'; reasons = failed; }
    else if (unanswered.length) { status = 'not_evidenced'; reasons = unanswered; }
    else { status = 'met'; reasons = p.criteria.map(c => c.met); }
    return {principle: p.principle, label: p.label, status: status, reasons: reasons, source: p.source};
  });
}
function answersOfForm() {
  const out = {};
  for (const q of D.questions) {
    if (q.type === 'choice') {
      const r = document.querySelector('input[name="' + q.item + '"]:checked');
      out[q.item] = r ? r.value : null;
    } else {
      out[q.item] = document.getElementById('q-' + q.item).value;
    }
  }
  return out;
}
function show() {
  const results = evaluate(answersOfForm());
  const box = document.getElementById('results');
  box.innerHTML = '';
  for (const r of results) {
    const div = document.createElement('div');
    div.className = 'principle ' + r.status;
    div.id = 'res-' + r.principle;
    div.dataset.status = r.status;
    const word = r.status === 'invalid' ? 'réponse à corriger' : D.status[r.status];
    div.innerHTML = '<div><b></b> — <span class="status"></span></div><ul></ul><div class="source"></div>';
    div.querySelector('b').textContent = r.label;
    div.querySelector('.status').textContent = word;
    for (const why of r.reasons) { const li = document.createElement('li'); li.textContent = why; div.querySelector('ul').appendChild(li); }
    div.querySelector('.source').textContent = 'Source : ' + r.source;
    box.appendChild(div);
  }
  const verdict = document.getElementById('verdict');
  const statuses = results.map(r => r.status);
  let overall, text;
  if (statuses.every(s => s === 'met')) { overall = 'met'; text = "L'organisation respecte les quatre principes : elle répond à la définition commune de l'économie sociale."; }
  else if (statuses.includes('invalid')) { overall = 'invalid'; text = 'Une réponse est à corriger (voir ci-dessous).'; }
  else if (statuses.includes('not_met')) { overall = 'not_met'; text = "L'organisation ne respecte pas : " + results.filter(r => r.status === 'not_met').map(r => r.label).join(' ; ') + '.'; }
  else { overall = 'not_evidenced'; text = 'Non établi : répondez aux questions restées sans réponse.'; }
  verdict.className = overall;
  verdict.dataset.status = overall;
  verdict.textContent = text;
}
function build() {
  const form = document.getElementById('questions');
  for (const q of D.questions) {
    const fs = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = q.label;
    fs.appendChild(legend);
    if (q.type === 'choice') {
      for (const [code, label] of q.modalities) {
        const l = document.createElement('label');
        const input = document.createElement('input');
        input.type = 'radio'; input.name = q.item; input.value = code; input.id = 'q-' + q.item + '-' + code;
        l.appendChild(input); l.appendChild(document.createTextNode(' ' + label));
        fs.appendChild(l);
      }
    } else {
      const input = document.createElement('input');
      input.type = 'text'; input.inputMode = 'decimal'; input.id = 'q-' + q.item; input.placeholder = '0 à 100';
      fs.appendChild(input);
    }
    form.appendChild(fs);
  }
  form.addEventListener('change', show);
  form.addEventListener('input', show);
  document.getElementById('clear-answers').addEventListener('click', () => { form.reset(); show(); });
  show();
}
build();
