// Page pieces of the dashboard: notices, empty states and errors in plain words with what to do next.

import { element } from '/kit/dom.js';
import { isMissingRoute } from '/dashboard/api.js';

/** What went wrong and what to do about it, for someone who is not a developer. */
export function explain(error) {
  if (isMissingRoute(error)) {
    return 'This server does not offer this part of the dashboard yet (route not merged yet). Update AppBase, then reload the page.';
  }
  switch (error?.code) {
    case 'network': return 'The server could not be reached. Check that AppBase is running and your network is connected, then try again.';
    case 'invalid_credentials': return 'That email and password do not match a dashboard admin. Check them and try again.';
    case 'rate_limited': return `Too many attempts. Wait ${error.retryAfter ?? 'a few'} seconds, then try again.`;
    case 'forbidden': return `${error.message} If this keeps happening, reload the page.`;
    case 'validation_failed': return `Some input was not accepted: ${error.message} Correct it and try again.`;
    case 'invalid_filter': return `The filter could not be understood: ${error.message} Example: status = "open" && priority >= 2`;
    case 'invalid_sort': return `The sort could not be understood: ${error.message} Example: -createdAt or title`;
    case 'version_conflict': return 'Someone changed this record after you opened it. Reload it to see their change, then edit again.';
    case 'payload_too_large': case 'quota_exceeded': return `${error.message} Choose a smaller file or free some space first.`;
    case 'unsupported_media_type': return `${error.message} This bucket does not accept this kind of file.`;
    case 'server_busy': case 'unavailable': return 'The server is busy or restarting. Wait a moment, then try again.';
    case 'not_found': return `${error.message} It may have been deleted; reload the list.`;
    default: return `${error?.message ?? 'Something went wrong.'} Try again; if it keeps failing, check the server's log.`;
  }
}

/** A notice box: kind '' (information), 'ok' or 'error'. Errors are announced to screen readers. */
export function notice(text, kind = '') {
  return element('p', { className: `notice ${kind}`.trim(), text, attrs: kind === 'error' ? { role: 'alert' } : { role: 'status' } });
}

export function errorNotice(error) {
  return notice(explain(error), 'error');
}

/** What an empty list means and what to do first. */
export function emptyState(text) {
  return element('p', { className: 'empty', text });
}

/** A labelled input inside a `.field`. */
export function field(label, input, hint) {
  if (!input.id) input.id = `field-${Math.random().toString(36).slice(2)}`;
  return element('div', { className: 'field' }, [
    element('label', { text: label, attrs: { for: input.id } }),
    input,
    hint ? element('p', { className: 'hint', text: hint }) : null,
  ]);
}

export function input(type, attrs = {}) {
  return element('input', { attrs: { type, ...attrs } });
}

export function select(options, value, attrs = {}) {
  const node = element('select', { attrs }, options.map((option) => element('option', { text: option, attrs: { value: option } })));
  if (value !== undefined) node.value = value;
  return node;
}

/** Runs `work` with `control` disabled, showing a failure in `messages` (a container). */
export async function busy(control, messages, work) {
  control.disabled = true;
  messages.replaceChildren();
  try {
    return await work();
  } catch (error) {
    messages.replaceChildren(errorNotice(error));
    return undefined;
  } finally {
    control.disabled = false;
  }
}

/** A section panel with a heading. */
export function panel(title, children, id) {
  const heading = element('h2', { text: title, attrs: id ? { id: `${id}-title` } : {} });
  return element('section', { className: 'panel', attrs: id ? { id, 'aria-labelledby': `${id}-title` } : {} }, [heading, ...children]);
}

/**
 * A one-field form that creates something by name (a bucket, a collection): `create(name)` runs
 * with the button disabled, its failure shown in `messages`; the field empties on success.
 * Names of both follow `^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$` (the server says so too).
 */
export function nameForm({ label, buttonText, id, messages, create }) {
  const name = input('text', { id, pattern: '[A-Za-z0-9][A-Za-z0-9_-]{0,62}' });
  const submit = element('button', { text: buttonText, attrs: { type: 'submit', id: `${id}-submit` } });
  const form = element('form', { attrs: { novalidate: '' } }, [field(label, name, 'Letters, digits, - and _.'), submit]);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = name.value.trim();
    await busy(submit, messages, async () => {
      await create(value);
      name.value = '';
    });
  });
  return form;
}
