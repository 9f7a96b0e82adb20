// The executable README: every shell block of README.md and docs/*.md marked ```sh dev-stack
// runs, in order, against the test stack, and must do what the text says: each command exits
// 0, and a command followed by an expected-output comment (`# {"success":true,…}`, or a JSON
// array or string) prints JSON of that shape. The convention is docs/CONTRIBUTING.md, "Adding a test".
//
// One bash per Markdown file, so a later block sees the variables of an earlier one, as in a
// reader's terminal. The dev stack's ports in the text become the test stack's (FFX_*_PORT from
// scripts/test), and build/ becomes $FFX_BUILD_DIR. A shell block that mentions a dev-stack port
// without the marker fails the check (mark it ```sh no-run when it must not run).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD_DIR, ROOT } from './lib/stack.mjs';

const DEV_PORTS = {
  54321: process.env.FFX_API_PORT ?? '54321',
  54322: process.env.FFX_DB_PORT ?? '54322',
  54324: process.env.FFX_MAIL_WEB_PORT ?? '54324',
  54325: process.env.FFX_MAIL_PORT ?? '54325',
  54329: process.env.FFX_PGBOUNCER_PORT ?? '54329',
  54330: process.env.FFX_SIM_PORT ?? '54330',
};
const DEV_PORT_RE = /\b54(32[0-9]|330)\b/;
const SHELLS = new Set(['sh', 'bash', 'shell', 'console']);
const ELLIPSIS = '…';
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

// ---- Markdown: the fenced blocks ----

export function fencedBlocks(text) {
  const blocks = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^ {0,3}(`{3,})\s*(.*)$/);
    if (!open) continue;
    const [lang = '', ...flags] = open[2].trim().split(/\s+/);
    const body = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].match(new RegExp(`^ {0,3}${open[1]}\\s*$`))) body.push(lines[j++]);
    blocks.push({ line: i + 1, lang: lang.toLowerCase(), flags, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

// ---- shell: commands and their expected output ----

// The code part of one line (before an unquoted #) and the quoting state after it.
function scanLine(line, st) {
  let code = line;
  let comment = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (st.single) { if (c === "'") st.single = false; continue; }
    if (c === '\\') { i++; continue; }
    if (st.double) { if (c === '"') st.double = false; continue; }
    if (c === "'") st.single = true;
    else if (c === '"') st.double = true;
    else if (c === '(') st.depth++;
    else if (c === ')') st.depth--;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      code = line.slice(0, i);
      comment = line.slice(i + 1).trim();
      break;
    }
  }
  return { code, comment };
}

// Whether a JSON-ish text has closed every bracket it opened (strings skipped).
function balanced(text) {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) { if (c === '\\') i++; else if (c === '"') inString = false; continue; }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return depth <= 0;
}

const looksExpected = (comment) => comment !== null && /^[[{"]/.test(comment);

// splitCommands - the block as a list of {command, expected, line}.
export function splitCommands(text, firstLine = 1) {
  const steps = [];
  const st = { single: false, double: false, depth: 0 };
  let current = null; // lines of the command being read
  let expecting = null; // the step whose expected output is still open
  text.split('\n').forEach((line, n) => {
    const lineNo = firstLine + n;
    if (current === null && !st.single && !st.double) {
      const bare = line.match(/^\s*#\s?(.*)$/);
      if (bare || line.trim() === '') {
        const comment = bare ? bare[1].trim() : null;
        if (expecting && comment !== null) {
          expecting.expected += comment;
          if (balanced(expecting.expected)) expecting = null;
        } else if (looksExpected(comment) && steps.length) {
          const step = steps[steps.length - 1];
          step.expected = comment;
          expecting = balanced(comment) ? null : step;
        } else {
          expecting = null;
        }
        return;
      }
    }
    expecting = null;
    const startedInQuotes = st.single || st.double;
    const { code, comment } = startedInQuotes && line.trimStart().startsWith('#') ? { code: line, comment: null } : scanLine(line, st);
    if (current === null) current = { lines: [], line: lineNo };
    current.lines.push(comment === null ? line : code.replace(/\s+$/, ''));
    const continued = /\\$/.test(code.replace(/\s+$/, ''));
    if (st.single || st.double || st.depth > 0 || continued) return;
    const step = { command: current.lines.join('\n'), expected: null, line: current.line };
    if (looksExpected(comment)) {
      step.expected = comment;
      if (!balanced(comment)) expecting = step;
    }
    steps.push(step);
    current = null;
  });
  if (current !== null) steps.push({ command: current.lines.join('\n'), expected: null, line: current.line });
  return steps;
}

// ---- the expected shapes: JSON where … stands for anything ----

export function parsePattern(text) {
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const fail = (what) => { throw new Error(`expected-output pattern: ${what} at ${i} in ${text}`); };
  function string() {
    let out = '';
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') { out += JSON.parse(`"${text.slice(i, i + (text[i + 1] === 'u' ? 6 : 2))}"`); i += text[i + 1] === 'u' ? 6 : 2; } else out += text[i++];
    }
    if (text[i] !== '"') fail('unterminated string');
    i++;
    return out;
  }
  function value() {
    ws();
    const c = text[i];
    if (c === ELLIPSIS) { i++; return { any: true }; }
    if (c === '"') { const s = string(); return s.includes(ELLIPSIS) ? { like: s.split(ELLIPSIS) } : { equal: s }; }
    if (c === '{' || c === '[') {
      const object = c === '{';
      const node = object ? { object: [], open: false } : { array: [], open: false };
      i++;
      ws();
      if (text[i] === (object ? '}' : ']')) { i++; return node; }
      for (;;) {
        ws();
        if (text[i] === ELLIPSIS) { i++; node.open = true; }
        else if (object) {
          if (text[i] !== '"') fail('a key');
          const key = string();
          ws();
          if (text[i++] !== ':') fail('":"');
          node.object.push([key, value()]);
        } else node.array.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === (object ? '}' : ']')) { i++; return node; }
        fail('"," or a closing bracket');
      }
    }
    const lit = text.slice(i).match(/^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/);
    if (!lit) fail('a value');
    i += lit[0].length;
    return { equal: JSON.parse(lit[0]) };
  }
  const v = value();
  ws();
  if (i !== text.length) fail('the end');
  return v;
}

const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

// mismatch - null when actual has the pattern's shape, else where and how it differs.
export function mismatch(pattern, actual, where = '$') {
  if (pattern.any) return null;
  if (pattern.like) {
    if (typeof actual !== 'string') return `${where}: a string like "${pattern.like.join(ELLIPSIS)}", got ${JSON.stringify(actual)}`;
    const parts = pattern.like;
    let at = 0;
    const ok = parts.every((p, k) => {
      if (k === 0) { if (!actual.startsWith(p)) return false; at = p.length; return true; }
      if (k === parts.length - 1) return actual.length - p.length >= at && actual.endsWith(p);
      const found = actual.indexOf(p, at);
      if (found < 0) return false;
      at = found + p.length;
      return true;
    });
    return ok ? null : `${where}: "${actual}" is not like "${parts.join(ELLIPSIS)}"`;
  }
  if ('equal' in pattern) {
    // A timestamp in the text stands for any timestamp: it shows the format, not a value.
    if (typeof pattern.equal === 'string' && ISO_TIME.test(pattern.equal)) {
      return typeof actual === 'string' && ISO_TIME.test(actual) ? null
        : `${where}: ${JSON.stringify(actual)}, the text shows a timestamp like ${pattern.equal}`;
    }
    return Object.is(pattern.equal, actual) || pattern.equal === actual ? null
      : `${where}: ${JSON.stringify(actual)}, the text shows ${JSON.stringify(pattern.equal)}`;
  }
  if (pattern.array) {
    if (!Array.isArray(actual)) return `${where}: an array, got ${typeOf(actual)}`;
    if (pattern.open ? actual.length < pattern.array.length : actual.length !== pattern.array.length) {
      return `${where}: ${actual.length} elements, the text shows ${pattern.array.length}${pattern.open ? ' or more' : ''}`;
    }
    for (let k = 0; k < pattern.array.length; k++) {
      const m = mismatch(pattern.array[k], actual[k], `${where}[${k}]`);
      if (m) return m;
    }
    return null;
  }
  if (typeOf(actual) !== 'object') return `${where}: an object, got ${typeOf(actual)}`;
  for (const [key, sub] of pattern.object) {
    if (!(key in actual)) return `${where}.${key}: missing`;
    const m = mismatch(sub, actual[key], `${where}.${key}`);
    if (m) return m;
  }
  if (!pattern.open) {
    const extra = Object.keys(actual).filter((k) => !pattern.object.some(([key]) => key === k));
    if (extra.length) return `${where}: keys the text does not show: ${extra.join(', ')} (end the object with …)`;
  }
  return null;
}

// ---- running a file's blocks ----

function forTestStack(command) {
  return command
    .replace(/\b(5432[0-9]|54330)\b/g, (p) => DEV_PORTS[p] ?? p)
    .replace(/(^|[\s=:"'])(\$PWD\/)?build\//g, `$1${BUILD_DIR}/`);
}

function markdownFiles() {
  const docs = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

function runnableSteps(file) {
  const blocks = fencedBlocks(fs.readFileSync(path.join(ROOT, file), 'utf8'));
  return blocks.filter((b) => SHELLS.has(b.lang) && b.flags.includes('dev-stack'))
    .flatMap((b) => splitCommands(b.text, b.line + 1));
}

const MARK = '@@readme-step';

// One bash for the file: each step is framed by markers on stdout; the first failing one ends it.
function runSteps(steps) {
  const script = ['cd "$FFX_ROOT_FOR_README" || exit 99'];
  steps.forEach((s, k) => {
    script.push(`printf '\\n${MARK} ${k} start\\n'`, forTestStack(s.command), '__rc=$?',
      `printf '\\n${MARK} ${k} rc %s\\n' "$__rc"`, '[ "$__rc" -eq 0 ] || exit 100');
  });
  const r = spawnSync('bash', ['--noprofile', '--norc', '-o', 'pipefail', '-c', script.join('\n')], {
    encoding: 'utf8', timeout: 300000, env: { ...process.env, FFX_ROOT_FOR_README: ROOT },
  });
  const results = [];
  const re = new RegExp(`\\n${MARK} (\\d+) start\\n([\\s\\S]*?)\\n${MARK} \\1 rc (\\d+)\\n`, 'g');
  for (const m of `\n${r.stdout}`.matchAll(re)) results[Number(m[1])] = { out: m[2], rc: Number(m[3]) };
  return { results, stderr: r.stderr, status: r.status, error: r.error };
}

function checkFile(file) {
  const steps = runnableSteps(file);
  const run = runSteps(steps);
  const failures = [];
  steps.forEach((s, k) => {
    const res = run.results[k];
    const at = `${file}:${s.line}: ${s.command.split('\n')[0]}${s.command.includes('\n') ? ' …' : ''}`;
    if (!res) { if (!failures.length) failures.push(`${at}\n  did not run (the block stopped before it)`); return; }
    if (res.rc !== 0) { failures.push(`${at}\n  exit status ${res.rc}\n  output: ${res.out.trim() || '(none)'}\n  stderr: ${run.stderr.trim().split('\n').slice(-8).join('\n          ')}`); return; }
    if (s.expected === null) return;
    let actual;
    try { actual = JSON.parse(res.out.trim()); } catch {
      failures.push(`${at}\n  printed ${JSON.stringify(res.out.trim())}, not the JSON the text shows: ${s.expected}`);
      return;
    }
    const m = mismatch(parsePattern(s.expected), actual);
    if (m) failures.push(`${at}\n  ${m}\n  printed:   ${res.out.trim()}\n  the text:  ${s.expected}`);
  });
  const checked = steps.filter((s) => s.expected !== null).length;
  console.log(`${file}: ${steps.length} commands run, ${checked} outputs compared, ${failures.length} failing`);
  return failures;
}

// ---- the tests ----

test('the splitter and the shapes: commands, continuations, expected output, …', () => {
  const steps = splitCommands([
    'A=$(echo \'{"x":1}\')   # a note',
    'echo "$A"   # {"x":1}',
    'curl -s x -d "{',
    '  \\"k\\":1}"',
    '# {"success":true,"payment":{"id":"…",',
    '#  "n":2,…}}',
    'echo one \\',
    '  two',
  ].join('\n'));
  assert.deepEqual(steps.map((s) => [s.line, s.expected]), [[1, null], [2, '{"x":1}'], [3, '{"success":true,"payment":{"id":"…","n":2,…}}'], [7, null]]);
  const p = parsePattern('{"success":true,"order":{"order_id":"FFX…","amount":649,…}}');
  assert.equal(mismatch(p, { success: true, order: { order_id: 'FFX000000001', amount: 649, x: 1 } }), null);
  assert.match(mismatch(p, { success: true, order: { order_id: 'XFFX1', amount: 649 } }), /not like/);
  assert.match(mismatch(p, { success: true, order: { order_id: 'FFX1', amount: '649' } }), /649/);
  assert.match(mismatch(parsePattern('{"success":false}'), { success: false, error: 'x' }), /keys the text does not show: error/);
  assert.match(mismatch(parsePattern('{"a":"…"}'), {}), /\$\.a: missing/);
  assert.equal(mismatch(parsePattern('{"t":"2026-11-25T17:02:31.450Z"}'), { t: '2027-01-02T03:04:05.678Z' }), null);
  assert.match(mismatch(parsePattern('{"t":"2026-11-25T17:02:31.450Z"}'), { t: 'yesterday' }), /timestamp/);
});

test('every shell block that talks to the dev stack is marked dev-stack (or no-run)', () => {
  const unmarked = [];
  for (const file of markdownFiles()) {
    for (const b of fencedBlocks(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
      if (!SHELLS.has(b.lang) || b.flags.includes('dev-stack') || b.flags.includes('no-run')) continue;
      if (DEV_PORT_RE.test(b.text) || /\bffx-admin\b|\$API\b|scripts\/demo\b/.test(b.text)) unmarked.push(`${file}:${b.line}`);
    }
  }
  assert.deepEqual(unmarked, [], 'shell blocks that use the dev stack but are not marked ```sh dev-stack');
});

for (const file of markdownFiles()) {
  if (!runnableSteps(file).length) continue;
  test(`${file}: its dev-stack blocks run against the test stack and print what the text shows`, () => {
    const failures = checkFile(file);
    assert.equal(failures.length, 0, `\n${failures.join('\n\n')}`);
  });
}

test('README.md has runnable blocks (the purchase, step by step, among them)', () => {
  const steps = runnableSteps('README.md');
  assert.ok(steps.some((s) => /create-crypto-payment/.test(s.command)), 'the step-by-step purchase is marked dev-stack');
  assert.ok(steps.filter((s) => s.expected !== null).length >= 3, 'at least three outputs compared');
});
