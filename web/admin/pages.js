// pages.js - one entry per page of the console (docs/CONSOLE.md, "The panel"). Each page reads
// through the admin API's read actions and offers the changing actions the staff member's role
// may do (me.may), each as a form with a required reason. What a listing or a detail returns is
// shown as it comes (every field, in the API's order), so the panel shows what the actions return
// without a second copy of their shapes.

import { read } from './api.js';
import {
  h, section, table, details, listKey, filterForm, actionForm, actions, pager, note, errorBox, formatValue,
} from './ui.js';

const ORDER_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled', 'refunded'];
const CUSTOMER_STATUSES = ['active', 'suspended', 'banned'];
const PAYMENT_STATUSES = ['pending', 'paid', 'failed', 'refunded'];
const EVENT_STATES = ['pending', 'processed', 'unmatched', 'failed'];
const INVENTORY_STATUSES = ['available', 'reserved', 'delivered', 'disabled'];
const PHASES = ['challenge', 'phase_1', 'phase_2', 'live'];
const PHASE_STATUSES = ['not_started', 'active', 'passed', 'failed'];
const ACCOUNT_STATUSES = ['active', 'suspended', 'closed', 'breached'];
const ACCOUNT_TYPES = ['instant', 'hft', 'one_step', 'two_step'];
const PLATFORMS = ['mt4', 'mt5'];
const YES_NO = ['true', 'false'];
export const CSV_HEADER = 'size,platform,server,login,password,investor_password';

const refresh = (ctx) => () => ctx.go(ctx.params);

// A listing page's body: the filters, the table and the pager.
async function listing(ctx, action, filters, { link, columns } = {}) {
  const answer = await read(action, ctx.params);
  const key = listKey(answer) || 'rows';
  return [
    filters ? filterForm(filters, ctx.params, (v) => ctx.go(v)) : null,
    table(answer[key], { link, columns }),
    pager(answer, key, ctx.params, ctx.go),
  ];
}

// ---- dashboard ----

function figures(obj) {
  const cards = h('div', { class: 'figures' });
  const rest = [];
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'success') continue;
    if (v !== null && typeof v === 'object') {
      rest.push(section(k.replaceAll('_', ' '), Array.isArray(v) ? table(v) : details(v)));
    } else {
      cards.append(h('div', { class: 'figure', 'data-key': k }, h('span', { class: 'label' }, k.replaceAll('_', ' ')), h('strong', {}, formatValue(v))));
    }
  }
  return [cards.childElementCount ? cards : null, ...rest];
}

async function dashboard(ctx) {
  const answer = await read('dashboard.get', ctx.params);
  return [
    h('h1', {}, 'Dashboard'),
    filterForm(
      [
        { name: 'from', label: 'Conversion from', type: 'date' },
        { name: 'to', label: 'to', type: 'date' },
      ],
      ctx.params,
      (v) => ctx.go(v),
    ),
    h('div', { class: 'dashboard', id: 'dashboard' }, figures(answer)),
  ];
}

// ---- orders ----

async function orders(ctx) {
  if (ctx.id) return order(ctx);
  return [
    h('h1', {}, 'Orders'),
    ...(await listing(ctx, 'orders.list', [
      { name: 'q', label: 'Order id, e-mail or name', placeholder: 'FFX…' },
      { name: 'email', label: 'E-mail', type: 'text' },
      { name: 'name', label: 'Name' },
      { name: 'status', label: 'Status', type: 'select', options: ORDER_STATUSES },
      { name: 'payment_status', label: 'Payment', type: 'select', options: PAYMENT_STATUSES },
      { name: 'from', label: 'From', type: 'date' },
      { name: 'to', label: 'To', type: 'date' },
    ])),
  ];
}

async function order(ctx) {
  const answer = await read('orders.get', { order_id: ctx.id });
  const o = answer.order || {};
  const extra = { order_id: ctx.id };
  const again = refresh(ctx);
  const related = Object.fromEntries(Object.entries(answer).filter(([k]) => !['order', 'success'].includes(k)));
  return [
    h('h1', {}, `Order ${ctx.id}`),
    section('Order', details(o)),
    actions(
      actionForm(ctx.me, 'orders.refund', {
        title: 'Refund',
        extra,
        danger: true,
        fields: [{ name: 'amount', label: 'Amount (USD, empty = the whole rest)', type: 'number' }],
        doneText: (r) => (r.pending_approval ? "Done: above the approval threshold, it waits for a second admin's approval (Refunds page)." : 'Done.'),
        onDone: again,
      }),
      actionForm(ctx.me, 'orders.accept_payment', { title: 'Accept the payment under review', extra, onDone: again }),
      actionForm(ctx.me, 'orders.record_payment', {
        title: 'Record a payment received elsewhere',
        extra,
        fields: [
          { name: 'amount', label: 'Amount', type: 'number', required: true },
          { name: 'currency', label: 'Currency', required: true, value: 'usd' },
          { name: 'amount_usd', label: 'Worth in USD (another currency only)', type: 'number' },
          { name: 'method', label: 'Method', type: 'select', options: ['bank_transfer', 'other_provider', 'cash', 'other'], required: true },
          { name: 'reference', label: 'Reference (bank transfer, provider id)', required: true },
        ],
        onDone: again,
      }),
      actionForm(ctx.me, 'orders.deliver', {
        title: 'Deliver now',
        extra,
        fields: [{ name: 'force', label: 'Even if not paid in full (force)', type: 'checkbox' }],
        onDone: again,
      }),
      actionForm(ctx.me, 'orders.resend_email', { title: 'Resend the delivery e-mail', extra, onDone: again }),
      actionForm(ctx.me, 'orders.clear_attention', { title: 'Clear "needs attention"', extra, onDone: again }),
      actionForm(ctx.me, 'orders.cancel', { title: 'Cancel', extra, danger: true, onDone: again }),
    ),
    section('Payments, events, delivery, e-mails, audit', details(related)),
  ];
}

async function refunds(ctx) {
  const again = refresh(ctx);
  return [
    h('h1', {}, 'Refunds'),
    ...(await listing(ctx, 'refunds.list', [{ name: 'status', label: 'Status', type: 'select', options: ['pending', 'approved', 'rejected'] }])),
    actions(
      actionForm(ctx.me, 'refunds.approve', { title: 'Approve a waiting refund', fields: [{ name: 'id', label: 'Refund id', required: true }], onDone: again }),
      actionForm(ctx.me, 'refunds.reject', { title: 'Reject a waiting refund', danger: true, fields: [{ name: 'id', label: 'Refund id', required: true }], onDone: again }),
    ),
  ];
}

// ---- customers ----

async function customers(ctx) {
  if (ctx.id) return customer(ctx);
  return [
    h('h1', {}, 'Customers'),
    ...(await listing(ctx, 'customers.list', [
      { name: 'q', label: 'E-mail or name' },
      { name: 'status', label: 'Status', type: 'select', options: CUSTOMER_STATUSES },
    ], { link: (k, v, row) => (k === 'email' || k === 'id') && row.id ? `#/customers/${row.id}` : null })),
  ];
}

async function customer(ctx) {
  const answer = await read('customers.get', { user_id: ctx.id });
  const extra = { user_id: ctx.id };
  const again = refresh(ctx);
  const related = Object.fromEntries(Object.entries(answer).filter(([k]) => !['customer', 'success'].includes(k)));
  return [
    h('h1', {}, 'Customer'),
    section('Customer', details(answer.customer || {})),
    actions(
      actionForm(ctx.me, 'customers.set_status', {
        title: 'Suspend, ban or reinstate',
        extra,
        danger: true,
        fields: [{ name: 'status', label: 'New status', type: 'select', options: CUSTOMER_STATUSES, required: true }],
        onDone: again,
      }),
      actionForm(ctx.me, 'customers.set_email', {
        title: 'Correct the delivery e-mail',
        extra,
        fields: [{ name: 'new_email', label: 'New e-mail', type: 'email', required: true }],
        onDone: again,
      }),
    ),
    section('Orders, deliveries, totals', details(related)),
  ];
}

// ---- inventory ----

function importForm(ctx) {
  const preview = h('div', { class: 'preview', id: 'import-result' });
  const showResult = (result) => {
    const key = listKey(result) || 'lines';
    preview.replaceChildren(details(Object.fromEntries(Object.entries(result).filter(([k]) => k !== key && k !== 'success'))), table(result[key]));
  };
  const readCsv = async (body, form) => {
    const file = form.elements.namedItem('file').files[0];
    const text = file ? await file.text() : form.elements.namedItem('csv').value;
    const out = { ...body, csv: text, dry_run: Boolean(body.dry_run) };
    return out;
  };
  const form = actionForm(ctx.me, 'inventory.import', {
    title: 'Import accounts (CSV)',
    fields: [
      { name: 'file', label: 'CSV file', type: 'file', accept: '.csv,text/csv' },
      { name: 'csv', label: `Or paste it (header: ${CSV_HEADER}; a UTF-8 BOM is fine)`, type: 'textarea', rows: 5, placeholder: CSV_HEADER },
      { name: 'dry_run', label: 'Preview only (dry run)', type: 'checkbox', value: true },
    ],
    prepare: readCsv,
    onDone: (result) => showResult(result),
    submit: 'Import',
  });
  return form ? h('div', {}, form, preview) : null;
}

async function inventory(ctx) {
  const stock = await read('inventory.stock', {});
  const again = refresh(ctx);
  return [
    h('h1', {}, 'Inventory'),
    section('Stock', details(Object.fromEntries(Object.entries(stock).filter(([k]) => k !== 'success')))),
    actions(
      importForm(ctx),
      actionForm(ctx.me, 'inventory.set_status', {
        title: 'Disable or re-enable an account',
        fields: [
          { name: 'login', label: 'Login', required: true },
          { name: 'server', label: 'Server (when the login is on several)' },
          { name: 'status', label: 'Status', type: 'select', options: ['disabled', 'available'], required: true },
        ],
        onDone: again,
      }),
      actionForm(ctx.me, 'inventory.update', {
        title: 'Correct an account',
        fields: [
          { name: 'login', label: 'Login', required: true },
          { name: 'server', label: 'Server (when the login is on several)' },
          { name: 'new_server', label: 'New server' },
          { name: 'password', label: 'New password', type: 'password' },
          { name: 'investor_password', label: 'New investor password', type: 'password' },
        ],
        onDone: again,
      }),
      revealForm(ctx),
    ),
    section('Accounts', ...(await listing(ctx, 'inventory.list', [
      { name: 'login', label: 'Login' },
      { name: 'status', label: 'Status', type: 'select', options: INVENTORY_STATUSES },
      { name: 'account_size', label: 'Size', type: 'number' },
      { name: 'platform_type', label: 'Platform', type: 'select', options: PLATFORMS },
      { name: 'server', label: 'Server' },
    ]))),
  ];
}

// Credentials are never in a listing: only this explicit, audited reveal shows them.
function revealForm(ctx) {
  const out = h('div', { class: 'revealed', id: 'revealed' });
  const form = actionForm(ctx.me, 'credentials.reveal', {
    title: 'Reveal credentials',
    submit: 'Reveal',
    fields: [
      { name: 'inventory_id', label: 'Account id (the id column above)' },
      { name: 'delivery_id', label: 'or delivery id' },
    ],
    onDone: (result) => out.replaceChildren(details(Object.fromEntries(Object.entries(result).filter(([k]) => k !== 'success')))),
  });
  return form ? h('div', {}, form, out) : null;
}

// ---- delivered accounts ----

async function deliveries(ctx) {
  const again = refresh(ctx);
  return [
    h('h1', {}, 'Delivered accounts'),
    actions(
      actionForm(ctx.me, 'deliveries.set_status', {
        title: 'Phase and status',
        fields: [
          { name: 'id', label: 'Delivery id' },
          { name: 'order_id', label: 'or order id', placeholder: 'FFX…' },
          { name: 'current_phase', label: 'Current phase', type: 'select', options: PHASES },
          { name: 'challenge_status', label: 'Challenge', type: 'select', options: PHASE_STATUSES },
          { name: 'phase_1_status', label: 'Phase 1', type: 'select', options: PHASE_STATUSES },
          { name: 'phase_2_status', label: 'Phase 2', type: 'select', options: PHASE_STATUSES },
          { name: 'live_status', label: 'Live', type: 'select', options: PHASE_STATUSES },
          { name: 'account_status', label: 'Account', type: 'select', options: ACCOUNT_STATUSES },
        ],
        onDone: again,
      }),
    ),
    ...(await listing(ctx, 'deliveries.list', [
      { name: 'q', label: 'E-mail, login or order' },
      { name: 'account_status', label: 'Account status', type: 'select', options: ACCOUNT_STATUSES },
    ])),
  ];
}

// ---- catalogue ----

async function catalogue(ctx) {
  const again = refresh(ctx);
  const [pricing, discounts, rules, templates, coins] = await Promise.all(
    ['pricing.list', 'discounts.list', 'rules.list', 'templates.list', 'coins.list'].map((a) => read(a, {}).catch((e) => ({ error: e.message }))),
  );
  const show = (answer) => (answer.error ? errorBox(answer.error) : table(answer[listKey(answer)]));
  const preview = h('div', { class: 'preview', id: 'template-preview' });
  const previewForm = h('form', { class: 'action', id: 'form-templates-preview' }, h('h3', {}, 'Preview a template'),
    h('label', { class: 'field' }, h('span', {}, 'Template'), h('input', { name: 'template_name', required: true })),
    h('label', { class: 'field' }, h('span', {}, 'Variables (JSON object, optional)'), h('textarea', { name: 'variables', rows: 3, placeholder: '{"customer_name": "Ada"}' })),
    h('button', { type: 'submit' }, 'Preview'));
  previewForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await read('templates.preview', { template_name: previewForm.elements.template_name.value.trim(), variables: previewForm.elements.variables.value.trim() });
      preview.replaceChildren(details(Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'success'))));
    } catch (err) {
      preview.replaceChildren(errorBox(err.message));
    }
  });
  const uses = h('div', { class: 'preview', id: 'discount-uses' });
  const usesForm = h('form', { class: 'action', id: 'form-discounts-uses' }, h('h3', {}, 'Uses of a code'),
    h('label', { class: 'field' }, h('span', {}, 'Code'), h('input', { name: 'code', required: true })), h('button', { type: 'submit' }, 'Show'), uses);
  usesForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await read('discounts.uses', { code: usesForm.elements.code.value.trim() });
      uses.replaceChildren(details(Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'success'))));
    } catch (err) {
      uses.replaceChildren(errorBox(err.message));
    }
  });
  return [
    h('h1', {}, 'Catalogue'),
    section('Prices', show(pricing), actions(actionForm(ctx.me, 'pricing.set', {
      title: 'Set a price',
      fields: [
        { name: 'account_type', label: 'Type', type: 'select', options: ACCOUNT_TYPES, required: true },
        { name: 'account_size', label: 'Size', type: 'number', required: true },
        { name: 'platform_type', label: 'Platform', type: 'select', options: PLATFORMS },
        { name: 'price_usd', label: 'Price (USD)', type: 'number' },
        { name: 'active', label: 'On sale', type: 'select', options: YES_NO },
      ],
      onDone: again,
    }))),
    section('Discount codes', show(discounts), actions(
      actionForm(ctx.me, 'discounts.create', {
        title: 'Create a discount code',
        fields: [
          { name: 'code', label: 'Code', required: true, placeholder: 'SPRING10' },
          { name: 'percent_off', label: 'Percent off', type: 'number' },
          { name: 'amount_off', label: 'or amount off (USD)', type: 'number' },
          { name: 'max_uses', label: 'Uses in all', type: 'number' },
          { name: 'max_uses_per_user', label: 'Uses per customer', type: 'number' },
          { name: 'valid_from', label: 'Valid from', type: 'date' },
          { name: 'valid_until', label: 'Expires', type: 'date' },
        ],
        onDone: again,
      }),
      actionForm(ctx.me, 'discounts.update', {
        title: 'Change or deactivate a code',
        fields: [
          { name: 'code', label: 'Code', required: true },
          { name: 'max_uses', label: 'Uses in all', type: 'number' },
          { name: 'max_uses_per_user', label: 'Uses per customer', type: 'number' },
          { name: 'valid_until', label: 'Expires', type: 'date' },
          { name: 'active', label: 'Active', type: 'select', options: YES_NO },
        ],
        onDone: again,
      }),
    ), usesForm),
    section('Trading rules', show(rules), actions(actionForm(ctx.me, 'rules.set', {
      title: 'Set trading rules',
      fields: [
        { name: 'account_type', label: 'Type', type: 'select', options: ACCOUNT_TYPES, required: true },
        { name: 'account_size', label: 'Size', type: 'number', required: true },
        { name: 'rules', label: 'Rules to change (JSON object of trading_rules columns, as the table shows them; "none" clears one)', type: 'textarea', required: true, placeholder: '{"challenge_profit_target": 8, "challenge_min_trading_days": 5}' },
      ],
      prepare: (body) => {
        const { rules, ...rest } = body;
        return { ...JSON.parse(rules), ...rest };
      },
      onDone: again,
    }))),
    section('E-mail templates', show(templates), previewForm, preview, actions(actionForm(ctx.me, 'templates.set', {
      title: 'Change a template',
      fields: [
        { name: 'template_name', label: 'Template', required: true },
        { name: 'subject', label: 'Subject' },
        { name: 'html_body', label: 'HTML body', type: 'textarea', rows: 8 },
        { name: 'text_body', label: 'Text body', type: 'textarea', rows: 6 },
        { name: 'is_active', label: 'Active', type: 'select', options: YES_NO },
      ],
      onDone: again,
    }))),
    section('Coins', show(coins), actions(actionForm(ctx.me, 'coins.set', {
      title: 'Add, change or disable a coin',
      fields: [
        { name: 'code', label: 'Coin', required: true, placeholder: 'usdttrc20' },
        { name: 'provider_code', label: "NOWPayments' code" },
        { name: 'active', label: 'Enabled', type: 'select', options: YES_NO },
      ],
      onDone: again,
    }))),
  ];
}

// ---- IPN events ----

async function events(ctx) {
  if (ctx.id) return event(ctx);
  const link = (k, v, row) => (k === 'id' && row.id !== undefined ? `#/events/${row.id}` : null);
  return [
    h('h1', {}, 'IPN events'),
    ...(await listing(ctx, 'events.list', [
      { name: 'state', label: 'State', type: 'select', options: EVENT_STATES },
      { name: 'dismissed', label: 'Dismissed', type: 'select', options: YES_NO },
      { name: 'order_id', label: 'Order id' },
    ], { link })),
  ];
}

async function event(ctx) {
  const answer = await read('events.get', { id: ctx.id });
  const extra = { id: ctx.id };
  const again = refresh(ctx);
  const ev = answer.event || {};
  return [
    h('h1', {}, `IPN event ${ctx.id}`),
    section('Event', details(ev, { skip: ['payload'] })),
    section('Payload', h('pre', { class: 'payload', id: 'event-payload' }, JSON.stringify(ev.payload ?? answer.payload ?? null, null, 2))),
    actions(
      actionForm(ctx.me, 'events.reprocess', { title: 'Process again', extra, onDone: again }),
      actionForm(ctx.me, 'events.dismiss', { title: 'Dismiss', extra, danger: true, onDone: again }),
      actionForm(ctx.me, 'events.link', {
        title: 'Link to an order',
        extra,
        fields: [{ name: 'order_id', label: 'Order id', required: true, placeholder: 'FFX…' }],
        onDone: again,
      }),
    ),
    details(Object.fromEntries(Object.entries(answer).filter(([k]) => !['event', 'success', 'payload'].includes(k)))),
  ];
}

// ---- audit, export, checkout, settings ----

async function audit(ctx) {
  return [
    h('h1', {}, 'Audit log'),
    ...(await listing(ctx, 'audit.list', [
      { name: 'admin', label: 'Admin (e-mail or id)' },
      { name: 'order_id', label: 'Order id' },
      { name: 'action', label: 'Action' },
      { name: 'from', label: 'From', type: 'date' },
      { name: 'to', label: 'To', type: 'date' },
    ])),
  ];
}

async function exportPage(ctx) {
  const out = h('div', { id: 'export-result' });
  const form = actionForm(ctx.me, 'export.finance', {
    title: 'Payments, refunds and revenue as CSV',
    reason: false,
    submit: 'Export',
    extra: { format: 'csv' },
    fields: [
      { name: 'from', label: 'From', type: 'date', required: true },
      { name: 'to', label: 'To', type: 'date', required: true },
      { name: 'kind', label: 'Lines', type: 'select', options: ['all', 'payments', 'refunds', 'revenue'], required: true },
    ],
    onDone: (result) => {
      const csv = result.csv ?? JSON.stringify(result);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const lines = csv.split('\n').filter(Boolean).length;
      out.replaceChildren(h('p', {}, `${lines} lines. `, h('a', { href: url, download: 'flashfundx-finance.csv', id: 'export-download' }, 'Download the CSV')), h('pre', { class: 'payload' }, csv.slice(0, 4000)));
    },
  });
  return [h('h1', {}, 'Finance export'), form || note('Your role may not export.'), out];
}

async function checkout(ctx) {
  const state = await read('checkout.get', {});
  const again = refresh(ctx);
  return [
    h('h1', {}, 'Checkout'),
    section(
      'New crypto payments',
      h('p', { class: state.paused ? 'error' : 'ok', id: 'checkout-state' }, state.paused ? `Paused: ${state.message}` : 'Taking new payments.'),
      details(Object.fromEntries(Object.entries(state).filter(([k]) => k !== 'success'))),
      note('While paused, create-crypto-payment answers 503 with the message; status checks, IPNs and deliveries go on.'),
    ),
    actions(
      state.paused
        ? actionForm(ctx.me, 'checkout.resume', { title: 'Resume', onDone: again })
        : actionForm(ctx.me, 'checkout.pause', {
          title: 'Pause new crypto payments',
          danger: true,
          fields: [{ name: 'message', label: 'Message to customers', required: true, value: 'Payments are paused for maintenance; please try again later.' }],
          onDone: again,
        }),
    ),
  ];
}

async function settings(ctx) {
  const again = refresh(ctx);
  const [values, staff] = await Promise.all([read('settings.get', {}), read('staff.list', {})]);
  const link = h('div', { id: 'login-link' });
  return [
    h('h1', {}, 'Settings and staff'),
    section('Settings', details(Object.fromEntries(Object.entries(values).filter(([k]) => k !== 'success'))), actions(actionForm(ctx.me, 'settings.set', {
      title: 'Change a setting',
      fields: [
        { name: 'name', label: 'Setting', type: 'select', options: ['refund_approval_threshold', 'low_stock_threshold'], required: true },
        { name: 'value', label: 'Value', type: 'number', required: true },
      ],
      prepare: ({ name, value, ...rest }) => ({ ...rest, [name]: value }),
      onDone: again,
    }))),
    section('Staff', table(staff[listKey(staff)]), actions(
      actionForm(ctx.me, 'staff.set_role', {
        title: 'Give or remove a role',
        fields: [
          { name: 'email', label: 'E-mail', type: 'email', required: true },
          { name: 'role', label: 'Role', type: 'select', options: ['admin', 'finance', 'support', 'none'], required: true },
        ],
        onDone: again,
      }),
      actionForm(ctx.me, 'login_links.create', {
        title: 'Sign-in link for a staff member',
        fields: [
          { name: 'email', label: 'E-mail', type: 'email', required: true },
          { name: 'ttl_minutes', label: 'Valid for (minutes, 10 if empty)', type: 'number' },
        ],
        onDone: (r) => link.replaceChildren(h('pre', {}, `${location.origin}${location.pathname}#link=${r.link_id}.${r.secret}`), note(`Valid until ${formatValue(r.expires_at)}, once.`)),
      }),
    ), link),
  ];
}

// name: the route (#/<name>); needs: any of these actions puts the page in the navigation.
export const PAGES = [
  { name: 'dashboard', title: 'Dashboard', nav: true, render: dashboard },
  { name: 'orders', title: 'Orders', nav: true, render: orders },
  { name: 'refunds', title: 'Refunds', nav: true, needs: ['refunds.list'], render: refunds },
  { name: 'customers', title: 'Customers', nav: true, render: customers },
  { name: 'inventory', title: 'Inventory', nav: true, render: inventory },
  { name: 'deliveries', title: 'Delivered', nav: true, render: deliveries },
  { name: 'catalogue', title: 'Catalogue', nav: true, render: catalogue },
  { name: 'events', title: 'IPN events', nav: true, render: events },
  { name: 'audit', title: 'Audit', nav: true, render: audit },
  { name: 'export', title: 'Export', nav: true, needs: ['export.finance'], render: exportPage },
  { name: 'checkout', title: 'Checkout', nav: true, render: checkout },
  { name: 'settings', title: 'Settings', nav: true, render: settings },
];
