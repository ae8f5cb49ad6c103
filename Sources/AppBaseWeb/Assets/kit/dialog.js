// Modal dialogs built on <dialog>: focus moves in, Escape cancels, focus returns where it was.

import { element } from './dom.js';

/** Opens a dialog with `title`, body nodes and buttons; resolves to the value of the button pressed
 *  (or `null` when cancelled with Escape). buttons: [{ label, value, className }]. */
export function openDialog(title, body, buttons) {
  return new Promise((resolve) => {
    const returnFocus = document.activeElement;
    const heading = element('h2', { text: title, attrs: { id: `dialog-${Date.now()}` } });
    const actions = element('div', { className: 'actions' });
    const dialog = element('dialog', { attrs: { 'aria-labelledby': heading.id } }, [heading, ...body, actions]);
    let result = null;
    for (const spec of buttons) {
      const node = element('button', { text: spec.label, className: spec.className, attrs: { type: 'button' } });
      node.addEventListener('click', () => { result = spec.value; dialog.close(); });
      actions.append(node);
    }
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (returnFocus instanceof HTMLElement) returnFocus.focus();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    // The safe choice (the first button: Cancel) has the focus, so Enter never destroys by accident.
    actions.querySelector('button')?.focus();
  });
}

/** Asks before a destructive action; resolves to true only when the user confirms. */
export async function confirmAction(title, message, confirmLabel) {
  const answer = await openDialog(title, [element('p', { text: message })], [
    { label: 'Cancel', value: false },
    { label: confirmLabel, value: true, className: 'danger' },
  ]);
  return answer === true;
}
