// ui.js - building blocks of the pages: elements, tables, detail lists, filter forms and action
// forms. Everything the API returns is put in the page as text (textContent), never as HTML, and
// no element gets a style attribute or an inline handler (the Content-Security-Policy forbids
// both).

import { act, ApiError } from './api.js';

// h(tag, attrs, ...children): an element. attrs: class, on: {event: fn}, anything else as an
// attribute (false/null/undefined leave it out, true sets it empty).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'on') {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    } else if (k === 'class') {
      el.className = v;
    } else if (v === true) {
      el.setAttribute(k, '');
    } else if (v !== false && v !== null && v !== undefined) {
      el.setAttribute(k, String(v));
    }
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const section = (title, ...children) => h('section', { class: 'card' }, h('h2', {}, title), ...children);
export const errorBox = (message) => h('p', { class: 'error', role: 'alert' }, message);
export const note = (message) => h('p', { class: 'muted' }, message);

// ---- values ----

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

export function formatValue(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string' && ISO_TIME.test(v)) return v.replace('T', ' ').slice(0, 19);
  if (Array.isArray(v)) return v.map(formatValue).join(', ');
  // a small nested object (a product, a customer): its values in a line, like "10000 · one_step · mt4"
  if (typeof v === 'object') return Object.values(v).map(formatValue).join(' · ');
  return String(v);
}

// Columns that name the row come first, in this order; the rest keep the answer's order.
const LEADING = ['order_id', 'id', 'code', 'template_name', 'login_id', 'email', 'customer', 'name', 'product',
  'account_type', 'account_size', 'platform_type'];
const byLeading = (a, b) => {
  const [i, j] = [LEADING.indexOf(a), LEADING.indexOf(b)];
  return (i < 0 ? LEADING.length : i) - (j < 0 ? LEADING.length : j);
};

// Where a value links to, by its column: orders, customers, IPN events.
const ORDER_ID = /^FFX\d{9}$/;
export function defaultLink(key, value, row) {
  if (value === null || value === undefined) return null;
  const v = String(value);
  if ((key === 'order_id' || key === 'id') && ORDER_ID.test(v)) return `#/orders/${v}`;
  if (key === 'user_id' || key === 'customer_id') return `#/customers/${v}`;
  if (key === 'event_id' || key === 'ipn_event_id') return `#/events/${v}`;
  if (key === 'email' && row && (row.user_id || row.customer_id)) return `#/customers/${row.user_id || row.customer_id}`;
  return null;
}

function cell(key, value, row, link) {
  const href = (link && link(key, value, row)) || defaultLink(key, value, row);
  const text = formatValue(value);
  const td = h('td', { 'data-label': key });
  if (typeof value === 'number') td.className = 'num';
  td.append(href ? h('a', { href }, text) : text);
  return td;
}

// table(rows, {columns, link}): rows of objects as a table; the columns are every key the rows
// have (the naming ones first, then in first-seen order) unless given. Wrapped so a phone scrolls it sideways.
export function table(rows, { columns, link, empty = 'Nothing to show.' } = {}) {
  if (!Array.isArray(rows) || rows.length === 0) return note(empty);
  if (rows.some((r) => r === null || typeof r !== 'object')) {
    return h('ul', {}, rows.map((r) => h('li', {}, formatValue(r))));
  }
  const cols = columns || [...new Set(rows.flatMap((r) => Object.keys(r)))].sort(byLeading);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c.replaceAll('_', ' '))))),
      h('tbody', {}, rows.map((r) => h('tr', {}, cols.map((c) => cell(c, r[c], r, link))))),
    ),
  );
}

// details(obj): an object's scalar fields as a definition list, its lists as tables and its
// nested objects as lists of their own, each under a heading.
export function details(obj, { link, skip = [] } = {}) {
  const scalars = h('dl', { class: 'kv' });
  const more = [];
  for (const [k, v] of Object.entries(obj || {})) {
    if (skip.includes(k)) continue;
    if (Array.isArray(v)) {
      more.push(h('h3', {}, k.replaceAll('_', ' ')), table(v, { link }));
    } else if (v && typeof v === 'object') {
      more.push(h('h3', {}, k.replaceAll('_', ' ')), details(v, { link }));
    } else {
      const href = (link && link(k, v, obj)) || defaultLink(k, v, obj);
      scalars.append(h('dt', {}, k.replaceAll('_', ' ')), h('dd', {}, href ? h('a', { href }, formatValue(v)) : formatValue(v)));
    }
  }
  return h('div', { class: 'details' }, scalars.childElementCount ? scalars : null, more);
}

// listKey(answer): the key of a listing's array ({"orders": [...], "total": n}).
export const listKey = (answer) => Object.keys(answer).find((k) => Array.isArray(answer[k]));

// ---- forms ----

// field(spec): one labelled input. spec: {name, label, type (text, number, email, date,
// select, textarea, checkbox, file), options, required, value, placeholder}.
export function field(spec) {
  const id = `f-${spec.form || 'x'}-${spec.name}`;
  let input;
  if (spec.type === 'select') {
    input = h(
      'select',
      { id, name: spec.name, required: spec.required },
      spec.required ? null : h('option', { value: '' }, spec.placeholder || '(any)'),
      spec.options.map((o) => h('option', { value: o, selected: String(spec.value ?? '') === o }, o)),
    );
  } else if (spec.type === 'textarea') {
    input = h('textarea', { id, name: spec.name, required: spec.required, rows: spec.rows || 4, placeholder: spec.placeholder }, spec.value ?? '');
  } else if (spec.type === 'checkbox') {
    input = h('input', { id, name: spec.name, type: 'checkbox', checked: Boolean(spec.value) });
  } else {
    input = h('input', {
      id,
      name: spec.name,
      type: spec.type || 'text',
      required: spec.required,
      value: spec.value ?? '',
      placeholder: spec.placeholder,
      step: spec.type === 'number' ? 'any' : null,
      accept: spec.accept,
    });
  }
  return h('label', { class: `field${spec.type === 'checkbox' ? ' check' : ''}`, for: id }, h('span', {}, spec.label || spec.name.replaceAll('_', ' ')), input);
}

// formValues(form, specs): {name: value} of the filled-in fields (empty ones left out).
export function formValues(form, specs) {
  const out = {};
  for (const s of specs) {
    const el = form.elements.namedItem(s.name);
    if (!el || s.type === 'file') continue;
    if (s.type === 'checkbox') {
      out[s.name] = el.checked;
    } else if (el.value.trim() !== '') {
      out[s.name] = s.type === 'number' ? Number(el.value) : el.value.trim();
    }
  }
  return out;
}

// filterForm(fields, values, onSubmit): a search form whose submit hands over the values.
export function filterForm(fields, values, onSubmit) {
  const specs = fields.map((f) => ({ ...f, form: 'filter', value: values[f.name] ?? f.value }));
  const form = h('form', { class: 'filters', role: 'search' }, specs.map(field), h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onSubmit(formValues(form, specs));
  });
  return form;
}

// The last action that succeeded: a page re-read after it (onDone) builds its forms anew, and
// the new form of that action shows the "Done." again (or the page shows it above everything
// when that form is gone, as pause becomes resume), so the operator sees what happened.
let flash = null;

// showFlash(view): puts the last success in its form's status, or first in the view; once, and
// only on the page where it happened (another page drops it).
export function showFlash(view) {
  if (!flash) return;
  const { action, text, where } = flash;
  flash = null;
  if (where !== location.hash) return;
  const status = view.querySelector(`form[data-action="${action}"] .status`);
  const message = h('p', { class: 'ok', id: 'flash' }, status ? text : `${action}: ${text}`);
  if (status) status.replaceChildren(message);
  else view.prepend(message);
}

// actionForm(me, action, {title, fields, extra, submit, onDone, danger, prepare, doneText}): the form
// of one changing action, or nothing when the role may not do it (me.may). Every change asks for
// a reason. The API's error sentence is shown under the form; onDone gets the answer, doneText
// (a text, or a function of the answer) replaces "Done.".
export function actionForm(me, action, opts = {}) {
  if (!me.may(action)) return null;
  const fid = action.replace('.', '-');
  const fields = [...(opts.fields || [])];
  if (opts.reason !== false) fields.push({ name: 'reason', label: 'Reason', required: true, placeholder: 'why (kept in the audit log)' });
  const specs = fields.map((f) => ({ ...f, form: fid }));
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: opts.danger ? 'danger' : '' }, opts.submit || opts.title || action);
  const form = h('form', { class: 'action', 'data-action': action, id: `form-${fid}` }, h('h3', {}, opts.title || action), specs.map(field), button, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    status.replaceChildren();
    flash = null;
    button.disabled = true;
    try {
      const body = { ...(opts.extra || {}), ...formValues(form, specs) };
      const answer = opts.prepare ? await opts.prepare(body, form) : body;
      const result = await act(action, answer);
      const done = (typeof opts.doneText === 'function' ? opts.doneText(result) : opts.doneText) || 'Done.';
      status.append(h('p', { class: 'ok' }, done));
      flash = { action, text: done, where: location.hash };
      if (opts.onDone) await opts.onDone(result, form);
    } catch (err) {
      status.append(errorBox(err instanceof ApiError ? err.message : String(err)));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export function actions(...forms) {
  const present = forms.filter(Boolean);
  return present.length ? h('div', { class: 'actions' }, present) : null;
}

// pager(answer, key, params, go): "n of total" with previous/next links over limit/offset.
export function pager(answer, key, params, go) {
  const limit = Number(params.limit || 50);
  const offset = Number(params.offset || 0);
  const shown = (answer[key] || []).length;
  const total = answer.total ?? shown;
  const bar = h('div', { class: 'pager' }, h('span', {}, `${shown ? offset + 1 : 0}–${offset + shown} of ${total}`));
  if (offset > 0) bar.append(h('button', { type: 'button', on: { click: () => go({ ...params, offset: Math.max(0, offset - limit) }) } }, 'Previous'));
  if (offset + shown < total) bar.append(h('button', { type: 'button', on: { click: () => go({ ...params, offset: offset + limit }) } }, 'Next'));
  return bar;
}
