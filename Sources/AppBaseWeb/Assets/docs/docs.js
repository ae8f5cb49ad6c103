// The API reference: fetches this port's /openapi.json and renders it — operations grouped by tag,
// each a <details> (keyboard: Tab to it, Enter or Space opens it) with its parameters, request
// body, responses and error codes, then the shared schemas and the error table. Text only
// (textContent, never innerHTML): nothing in the document can become markup.
import { element, replaceChildren } from '/kit/dom.js';

const methods = ['get', 'head', 'post', 'put', 'patch', 'delete'];

/** `#/components/schemas/Record` → the object it names (local references only). */
function resolve(doc, node) {
  let current = node;
  for (let hops = 0; current && current.$ref && hops < 16; hops += 1) {
    if (!current.$ref.startsWith('#/')) return current;
    current = current.$ref.slice(2).split('/').reduce((value, key) => value?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  }
  return current ?? {};
}

function refName(node) {
  return node?.$ref?.split('/').pop();
}

/** An id usable in a fragment: letters, digits and dashes. */
function anchor(prefix, text) {
  return `${prefix}-${String(text).replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

/** A short type: `string`, `integer`, `array of Record`, `Record`, `"a" | "b"`. */
function typeText(doc, schema) {
  if (!schema) return 'any';
  const name = refName(schema);
  if (name) return name;
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices) return choices.map((choice) => typeText(doc, choice)).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type;
  if (type === 'array') return `array of ${typeText(doc, schema.items)}`;
  const format = schema.format ? ` (${schema.format})` : '';
  return (type ?? (schema.properties ? 'object' : 'any')) + format;
}

/** A schema as a nested list of its members; references link to the Schemas section. */
function schemaView(doc, schema, depth = 0) {
  if (!schema) return element('p', { className: 'muted', text: 'Any JSON.' });
  const name = refName(schema);
  if (name) {
    const target = resolve(doc, schema);
    const line = element('p', {}, [
      element('a', { text: name, attrs: { href: `#${anchor('schema', name)}` } }),
      target.description ? element('span', { className: 'muted', text: ` — ${firstLine(target.description)}` }) : null,
    ]);
    // A body or answer shows its members in place; deeper references stay links (no cycles).
    const members = depth === 0 && (target.properties || target.items?.properties);
    return members ? element('div', {}, [line, schemaView(doc, { ...target, description: undefined }, depth + 1)]) : line;
  }
  const target = schema.type === 'array' && schema.items ? schema.items : schema;
  const properties = target.properties ?? {};
  const names = Object.keys(properties);
  const head = element('p', {}, [element('span', { className: 'type', text: typeText(doc, schema) }),
    schema.description && depth === 0 ? element('span', { className: 'muted', text: ` — ${schema.description}` }) : null]);
  if (names.length === 0 || depth > 3) return head;
  const required = new Set(target.required ?? []);
  const items = names.map((key) => {
    const member = properties[key];
    const nested = member && !refName(member) && (member.properties || member.items?.properties);
    return element('li', {}, [
      element('span', { className: 'name', text: key }), ' ',
      element('span', { className: 'type', text: typeText(doc, member) }),
      required.has(key) ? element('span', { className: 'required', text: ' required' }) : null,
      member?.description ? element('span', { className: 'muted', text: ` — ${member.description}` }) : null,
      nested ? schemaView(doc, { ...member, description: undefined }, depth + 1) : null,
    ]);
  });
  return element('div', {}, [head, element('ul', { className: 'schema' }, items)]);
}

function firstLine(text) {
  return String(text).split('\n')[0];
}

function parametersView(doc, parameters) {
  if (parameters.length === 0) return null;
  const rows = parameters.map((raw) => {
    const parameter = resolve(doc, raw);
    return element('tr', {}, [
      element('td', {}, [element('code', { text: parameter.name }),
        parameter.required ? element('span', { className: 'required', text: ' required' }) : null]),
      element('td', { text: parameter.in }),
      element('td', {}, [element('span', { className: 'type', text: typeText(doc, parameter.schema) })]),
      element('td', { className: 'description', text: parameter.description ?? '' }),
    ]);
  });
  return [element('h3', { text: 'Parameters' }), element('table', {}, [
    element('thead', {}, [element('tr', {}, ['Name', 'In', 'Type', 'Meaning'].map((text) => element('th', { text, attrs: { scope: 'col' } })))]),
    element('tbody', {}, rows),
  ])];
}

function contentView(doc, content) {
  return Object.entries(content ?? {}).map(([type, media]) => element('div', {}, [
    element('p', {}, [element('code', { text: type })]),
    media.schema ? schemaView(doc, media.schema) : null,
  ]));
}

function requestView(doc, operation) {
  if (!operation.requestBody) return null;
  const body = resolve(doc, operation.requestBody);
  return [element('h3', { text: body.required ? 'Request body (required)' : 'Request body' }),
    body.description ? element('p', { className: 'description', text: body.description }) : null,
    ...contentView(doc, body.content)];
}

function responsesView(doc, operation) {
  const rows = Object.entries(operation.responses ?? {}).map(([status, raw]) => {
    const response = resolve(doc, raw);
    const codes = response['x-error-codes'] ?? [];
    const headers = Object.keys(response.headers ?? {});
    return element('tr', {}, [
      element('td', {}, [element('span', { className: `status s${status[0]}`, text: status })]),
      element('td', {}, [
        element('span', { className: 'description', text: response.description ?? '' }),
        codes.length ? element('p', { className: 'codes' }, ['Codes: ', ...codes.map((code) =>
          element('a', { attrs: { href: `#${anchor('error', code)}` } }, [element('code', { text: code })]))]) : null,
        headers.length ? element('p', { className: 'muted' }, ['Headers: ', ...headers.map((name) => element('code', { text: `${name} ` }))]) : null,
        // Error answers all carry the one envelope: link it instead of repeating it.
        ...(codes.length || status === 'default'
          ? [element('p', { className: 'muted' }, ['Body: the error envelope ',
            element('a', { text: 'ErrorResponse', attrs: { href: '#errors' } })])]
          : contentView(doc, response.content)),
      ]),
    ]);
  });
  return [element('h3', { text: 'Responses' }), element('table', {}, [
    element('thead', {}, [element('tr', {}, ['Status', 'Answer'].map((text) => element('th', { text, attrs: { scope: 'col' } })))]),
    element('tbody', {}, rows),
  ])];
}

function securityView(doc, operation) {
  const requirements = operation.security ?? doc.security ?? [];
  if (requirements.length === 0) return element('p', { className: 'muted', text: 'No credentials needed.' });
  const alternatives = requirements.map((requirement) => Object.keys(requirement).join(' + ') || 'none');
  return element('p', {}, ['Credentials: ', ...alternatives.flatMap((text, index) =>
    [index ? ' or ' : '', element('code', { text })])]);
}

function operationView(doc, path, method, operation, shared) {
  const id = anchor('op', operation.operationId ?? `${method}-${path}`);
  const parameters = [...shared, ...(operation.parameters ?? [])];
  const errorCodes = Object.values(operation.responses ?? {}).flatMap((raw) => resolve(doc, raw)['x-error-codes'] ?? []);
  const details = element('details', { className: 'op', attrs: { id } }, [
    element('summary', {}, [
      element('span', { className: `method ${method}`, text: method.toUpperCase() }),
      element('span', { className: 'path', text: path }),
      element('span', { className: 'summary-text', text: operation.summary ?? '' }),
      operation.deprecated ? element('span', { className: 'badge', text: 'deprecated' }) : null,
    ]),
    element('div', { className: 'body' }, [
      operation.description ? element('p', { className: 'description', text: operation.description }) : null,
      securityView(doc, operation),
      ...(parametersView(doc, parameters) ?? []),
      ...(requestView(doc, operation) ?? []),
      ...responsesView(doc, operation),
    ]),
  ]);
  details.dataset.search = [method, path, operation.summary, operation.operationId, ...errorCodes].join(' ').toLowerCase();
  return details;
}

function errorTableView(doc) {
  const codes = doc.components?.schemas?.ErrorCode;
  const table = codes?.['x-error-table'] ?? [];
  if (table.length === 0) return null;
  const rows = table.map((entry) => element('tr', { attrs: { id: anchor('error', entry.code) } }, [
    element('td', {}, [element('code', { text: entry.code })]),
    element('td', {}, [element('span', { className: `status s${String(entry.status)[0]}`, text: String(entry.status) })]),
    element('td', { text: entry.meaning }),
  ]));
  return element('section', { className: 'tag', attrs: { id: 'errors' } }, [
    element('h2', { text: 'Error codes' }),
    element('p', { text: 'Every error is the JSON envelope below (ErrorResponse); SDKs act on error.code.' }),
    schemaView(doc, { $ref: '#/components/schemas/ErrorResponse' }),
    element('table', {}, [
      element('thead', {}, [element('tr', {}, ['Code', 'Status', 'Meaning'].map((text) => element('th', { text, attrs: { scope: 'col' } })))]),
      element('tbody', {}, rows),
    ]),
  ]);
}

function schemasView(doc) {
  const schemas = Object.entries(doc.components?.schemas ?? {});
  return element('section', { className: 'tag', attrs: { id: 'schemas' } }, [
    element('h2', { text: 'Schemas' }),
    ...schemas.map(([name, schema]) => element('details', { className: 'op', attrs: { id: anchor('schema', name) } }, [
      element('summary', {}, [element('span', { className: 'path', text: name }),
        schema.description ? element('span', { className: 'summary-text', text: firstLine(schema.description) }) : null]),
      element('div', { className: 'body' }, [schemaView(doc, { ...schema, description: undefined })]),
    ])),
  ]);
}

function render(doc) {
  const byTag = new Map((doc.tags ?? []).map((tag) => [tag.name, { tag, operations: [] }]));
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of methods) {
      const operation = item[method];
      if (!operation) continue;
      const name = operation.tags?.[0] ?? 'Other';
      if (!byTag.has(name)) byTag.set(name, { tag: { name }, operations: [] });
      byTag.get(name).operations.push(operationView(doc, path, method, operation, item.parameters ?? []));
    }
  }
  const groups = [...byTag.values()].filter((group) => group.operations.length > 0);
  const sections = groups.map(({ tag, operations }) => element('section', { className: 'tag', attrs: { id: anchor('tag', tag.name) } }, [
    element('h2', { text: tag.name }),
    tag.description ? element('p', { className: 'description', text: tag.description }) : null,
    ...operations,
  ]));
  const toc = element('ul', {}, [
    ...groups.map(({ tag, operations }) => element('li', {}, [element('a', { attrs: { href: `#${anchor('tag', tag.name)}` } }, [
      tag.name, ' ', element('span', { className: 'count', text: `(${operations.length})` })])])),
    element('li', {}, [element('a', { text: 'Error codes', attrs: { href: '#errors' } })]),
    element('li', {}, [element('a', { text: 'Schemas', attrs: { href: '#schemas' } })]),
  ]);
  replaceChildren(document.getElementById('toc'), [toc]);
  replaceChildren(document.getElementById('content'), [...sections, errorTableView(doc), schemasView(doc)]);
  const count = groups.reduce((sum, group) => sum + group.operations.length, 0);
  document.getElementById('title').textContent = doc.info?.title ?? 'API reference';
  replaceChildren(document.getElementById('subtitle'), [
    `OpenAPI ${doc.openapi}, version ${doc.info?.version ?? '?'} · ${count} operations · `,
    element('a', { text: 'openapi.json', attrs: { href: '/openapi.json' } }),
  ]);
  document.body.dataset.operations = String(count);
  openFromHash();
}

/** Opens the operation or schema the URL's fragment names (a shared link), and its section. */
function openFromHash() {
  const target = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  if (target instanceof HTMLDetailsElement) {
    target.open = true;
    target.scrollIntoView();
  }
}

function applyFilter(text) {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const section of document.querySelectorAll('#content section.tag')) {
    let visible = 0;
    for (const op of section.querySelectorAll('details.op[data-search]')) {
      const match = words.every((word) => op.dataset.search.includes(word));
      op.hidden = !match;
      if (match) visible += 1;
    }
    const isOperations = section.querySelector('details.op[data-search]') !== null;
    if (isOperations) section.hidden = visible === 0;
    shown += visible;
  }
  document.getElementById('filter-count').textContent = words.length ? `${shown} operations match.` : '';
}

async function main() {
  const filter = document.getElementById('filter');
  filter.addEventListener('input', () => applyFilter(filter.value));
  window.addEventListener('hashchange', openFromHash);
  try {
    const response = await fetch('/openapi.json', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
    render(await response.json());
  } catch (error) {
    replaceChildren(document.getElementById('content'), [element('p', { className: 'error-text',
      text: `The API document could not be loaded (${error.message}). Reload the page; if it persists, check that the server is running.` })]);
  }
}

main();
