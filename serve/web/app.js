// nerkit web page: sends the text to POST /v1/ner and shows the entities
// inline and in a table. The API's offsets are Unicode code points, while
// JS strings index UTF-16 units, so the text is cut with Array.from (one
// element per code point) and never with String.slice.
'use strict';

const KNOWN_COLOURS = { PER: '#fbd38d', LOC: '#9ae6b4', ORG: '#90cdf4', MISC: '#d6bcfa' };
const EXTRA_COLOURS = ['#feb2b2', '#fbb6ce', '#b2f5ea', '#faf089', '#c3dafe', '#fed7aa', '#e9d8fd', '#c6f6d5'];
const assigned = new Map();

function colourOf(type) {
  if (KNOWN_COLOURS[type]) return KNOWN_COLOURS[type];
  if (!assigned.has(type)) assigned.set(type, EXTRA_COLOURS[assigned.size % EXTRA_COLOURS.length]);
  return assigned.get(type);
}

const $ = (sel) => document.querySelector(sel);
let modelTypes = [];

function swatch(type) {
  const s = document.createElement('span');
  s.className = 'swatch';
  s.setAttribute('aria-hidden', 'true');
  s.style.setProperty('--ent-colour', colourOf(type));
  return s;
}

function setStatus(text, isError) {
  const st = $('#status');
  st.textContent = text;
  st.classList.toggle('error', Boolean(isError));
}

async function loadModel() {
  try {
    const res = await fetch('/v1/model');
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const m = await res.json();
    modelTypes = m.entity_types || [];
    const c = m.config || {};
    $('#model-info').textContent =
      `Model ${m.name || '(unnamed)'} · ${c.layers} layers, hidden ${c.hidden}, ${c.heads} heads · ` +
      `vocabulary ${m.vocab_size} · max length ${m.max_length} · entity types: ${modelTypes.join(', ') || 'none'}`;
    if (m.default_aggregation) {
      $('#aggregation').options[0].textContent = `server default (${m.default_aggregation})`;
    }
  } catch (err) {
    $('#model-info').textContent = 'Model information unavailable: ' + err.message;
  }
}

function renderLegend(entities) {
  const types = [...modelTypes];
  for (const e of entities) if (!types.includes(e.type)) types.push(e.type);
  const legend = $('#legend');
  legend.replaceChildren();
  for (const t of types) {
    const li = document.createElement('li');
    li.append(swatch(t), t);
    legend.append(li);
  }
}

function renderText(text, entities) {
  const chars = Array.from(text);
  const out = $('#highlighted');
  out.replaceChildren();
  let pos = 0;
  const sorted = [...entities].sort((a, b) => a.start - b.start);
  for (const e of sorted) {
    if (e.start < pos || e.end > chars.length) continue; // overlapping or out of range: table only
    if (e.start > pos) out.append(chars.slice(pos, e.start).join(''));
    const mark = document.createElement('mark');
    mark.className = 'ent';
    mark.dataset.type = e.type;
    mark.dataset.start = e.start;
    mark.dataset.end = e.end;
    mark.style.setProperty('--ent-colour', colourOf(e.type));
    mark.title = `${e.type} · score ${e.score.toFixed(3)} · characters ${e.start}–${e.end}`;
    mark.textContent = chars.slice(e.start, e.end).join('');
    out.append(mark);
    pos = e.end;
  }
  if (pos < chars.length) out.append(chars.slice(pos).join(''));
}

function renderTable(entities) {
  const body = $('#entity-table tbody');
  body.replaceChildren();
  if (entities.length === 0) {
    const tr = body.insertRow();
    const td = tr.insertCell();
    td.colSpan = 5;
    td.className = 'empty';
    td.textContent = 'No entities found.';
    return;
  }
  for (const e of entities) {
    const tr = body.insertRow();
    tr.insertCell().textContent = e.text;
    const typeCell = tr.insertCell();
    typeCell.append(swatch(e.type), e.type);
    for (const v of [e.start, e.end, e.score.toFixed(3)]) {
      const td = tr.insertCell();
      td.className = 'num';
      td.textContent = v;
    }
  }
}

async function recognise(event) {
  event.preventDefault();
  const text = $('#text').value;
  const button = $('#submit');
  const results = $('#results');
  const body = { text };
  const agg = $('#aggregation').value;
  if (agg) body.aggregation = agg;
  button.disabled = true;
  results.dataset.state = 'loading';
  results.setAttribute('aria-busy', 'true');
  setStatus('Working…');
  const started = performance.now();
  try {
    const res = await fetch('/v1/ner', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const msg = data && data.error ? `${data.error.message} (${data.error.code})` : 'HTTP ' + res.status;
      throw new Error(msg);
    }
    const entities = data.results[0].entities;
    renderLegend(entities);
    renderText(text, entities);
    renderTable(entities);
    results.hidden = false;
    results.dataset.state = 'done';
    const ms = Math.round(performance.now() - started);
    setStatus(`${entities.length} ${entities.length === 1 ? 'entity' : 'entities'} · ${ms} ms · ${data.aggregation}`);
  } catch (err) {
    results.dataset.state = 'error';
    setStatus('Error: ' + err.message, true);
  } finally {
    button.disabled = false;
    results.removeAttribute('aria-busy');
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('#ner-form').addEventListener('submit', recognise);
  $('#text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) $('#ner-form').requestSubmit();
  });
  loadModel();
});
