// Storage: buckets, files, upload with progress, download (signed URLs), versions and restore,
// usage per bucket and per user.

import { button, cell, element, formatBytes, formatNumber, formatTime, table } from '/kit/dom.js';
import { confirmAction, openDialog } from '/kit/dialog.js';
import { api, isMissingRoute, upload } from '/dashboard/api.js';
import { busy, emptyState, errorNotice, field, input, nameForm, notice, panel } from '/dashboard/ui.js';

const enc = encodeURIComponent;

/** Opens a download through a short-lived signed URL (a plain link cannot carry the CSRF header). */
async function downloadFile(bucket, file, version, messages) {
  try {
    const body = version ? { expiresIn: 300, version } : { expiresIn: 300 };
    const signed = await api('POST', `/storage/buckets/${enc(bucket)}/${enc(file.id)}/url`, body);
    const link = element('a', { attrs: { href: signed.url, download: file.name } });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    messages.replaceChildren(errorNotice(error));
  }
}

async function showVersions(bucket, file, messages, reload) {
  const box = element('div', { attrs: { id: 'versions' } }, [element('p', { className: 'muted', text: 'Loading…' })]);
  const load = async () => {
    try {
      const items = (await api('GET', `/storage/buckets/${enc(bucket)}/${enc(file.id)}/versions`)).items ?? [];
      box.replaceChildren(table('Versions', ['Version', 'Size', 'Saved', 'Actions'], items.map((v) => element('tr', { attrs: { 'data-version': String(v.version) } }, [
        cell('Version', [element('span', { text: v.version === file.version ? `${v.version} (current)` : String(v.version) })]),
        cell('Size', [element('span', { text: formatBytes(v.size) })]),
        cell('Saved', [element('span', { text: formatTime(v.createdAt) })]),
        cell('Actions', [element('div', { className: 'actions' }, [
          button('Download', () => downloadFile(bucket, file, v.version, messages), { attrs: { 'data-download-version': String(v.version) } }),
          v.version === file.version ? null : button('Restore', async () => {
            if (!await confirmAction(`Restore version ${v.version}?`, 'It becomes the current version (saved as a new version; nothing is lost).', 'Restore')) return;
            try {
              const restored = await api('POST', `/storage/buckets/${enc(bucket)}/${enc(file.id)}/versions/${v.version}/restore`, {});
              file.version = restored.version;
              messages.replaceChildren(notice(`Version ${v.version} restored as version ${restored.version}.`, 'ok'));
              load();
              reload();
            } catch (error) { box.prepend(errorNotice(error)); }
          }),
        ])]),
      ]))));
    } catch (error) {
      box.replaceChildren(errorNotice(error));
    }
  };
  load();
  await openDialog(`Versions of ${file.name}`, [box], [{ label: 'Close', value: true }]);
}

function bucketPanel(bucket, messages, reloadUsage) {
  const files = element('div', { attrs: { id: 'files' } });
  const picker = input('file', { id: 'upload-file' });
  const progress = element('progress', { attrs: { max: '1', value: '0', id: 'upload-progress', hidden: '' } });
  const send = element('button', { text: 'Upload', className: 'primary', attrs: { type: 'submit', id: 'upload-submit' } });
  const form = element('form', { className: 'toolbar', attrs: { novalidate: '' } }, [field('Choose a file', picker), send]);
  const load = async () => {
    try {
      const items = (await api('GET', `/storage/buckets/${enc(bucket.name)}?limit=1000`)).items ?? [];
      if (items.length === 0) { files.replaceChildren(emptyState('No files in this bucket yet. Upload one above.')); return; }
      files.replaceChildren(table('Files', ['Name', 'Size', 'Type', 'Version', 'Updated', 'Actions'], items.map((file) => element('tr', { attrs: { 'data-file': file.name } }, [
        cell('Name', [element('span', { text: file.name })]),
        cell('Size', [element('span', { text: formatBytes(file.size) })]),
        cell('Type', [element('span', { text: file.contentType })]),
        cell('Version', [element('span', { text: String(file.version) })]),
        cell('Updated', [element('span', { text: formatTime(file.updatedAt) })]),
        cell('Actions', [element('div', { className: 'actions' }, [
          button('Download', () => downloadFile(bucket.name, file, null, messages)),
          button('Versions', () => showVersions(bucket.name, file, messages, load), { attrs: { 'data-versions': file.name } }),
          button('Delete', async () => {
            if (!await confirmAction(`Delete ${file.name}?`, 'The file and all its versions are removed. This cannot be undone.', 'Delete file')) return;
            try {
              await api('DELETE', `/storage/buckets/${enc(bucket.name)}/${enc(file.id)}`);
              messages.replaceChildren(notice(`${file.name} deleted.`, 'ok'));
              load();
              reloadUsage();
            } catch (error) { messages.replaceChildren(errorNotice(error)); }
          }, { className: 'danger' }),
        ])]),
      ]))));
    } catch (error) {
      files.replaceChildren(errorNotice(error));
    }
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = picker.files?.[0];
    if (!file) { messages.replaceChildren(notice('Choose a file first.', 'error')); picker.focus(); return; }
    progress.hidden = false;
    progress.value = 0;
    await busy(send, messages, async () => {
      // An existing file of the same name gets a new version; otherwise a new file.
      const existing = files.querySelector(`tr[data-file="${CSS.escape(file.name)}"]`);
      const listed = existing ? (await api('GET', `/storage/buckets/${enc(bucket.name)}?limit=1000`)).items.find((f) => f.name === file.name) : null;
      const path = listed
        ? `/storage/buckets/${enc(bucket.name)}/${enc(listed.id)}`
        : `/storage/buckets/${enc(bucket.name)}/upload?name=${enc(file.name)}`;
      const stored = await upload(path, file, (fraction) => { progress.value = fraction; }, listed ? 'PUT' : 'POST');
      progress.value = 1;
      messages.replaceChildren(notice(`${stored.name} uploaded (version ${stored.version}).`, 'ok'));
      picker.value = '';
      await load();
      reloadUsage();
    });
  });
  load();
  return panel(`Bucket “${bucket.name}”`, [form, progress, files], 'bucket');
}

function usagePanel(box) {
  const load = async () => {
    try {
      const usage = await api('GET', '/admin/storage/usage');
      box.replaceChildren(
        element('p', { text: `In all: ${formatNumber(usage.total.files)} files, ${formatNumber(usage.total.versions)} versions, ${formatBytes(usage.total.bytes)}.` }),
        table('Usage per bucket', ['Bucket', 'Files', 'Versions', 'Space'], usage.buckets.map((b) => element('tr', {}, [
          cell('Bucket', [element('span', { text: b.bucket })]),
          cell('Files', [element('span', { text: formatNumber(b.files) })]),
          cell('Versions', [element('span', { text: formatNumber(b.versions) })]),
          cell('Space', [element('span', { text: formatBytes(b.bytes) })]),
        ]))),
        table('Usage per user', ['User', 'Files', 'Space'], usage.users.map((u) => element('tr', {}, [
          cell('User', [element('span', { text: u.userId ?? 'no owner (admin uploads)' })]),
          cell('Files', [element('span', { text: formatNumber(u.files) })]),
          cell('Space', [element('span', { text: formatBytes(u.bytes) })]),
        ]))),
      );
    } catch (error) {
      box.replaceChildren(isMissingRoute(error) ? notice('Usage figures need a newer server (route not merged yet).') : errorNotice(error));
    }
  };
  load();
  return load;
}

export function renderStorage(container) {
  const messages = element('div', { attrs: { id: 'storage-message' } });
  const listBox = element('ul', { className: 'list-nav', attrs: { id: 'bucket-list' } });
  const detail = element('div');
  const usageBox = element('div', { attrs: { id: 'usage' } });
  const reloadUsage = usagePanel(usageBox);
  const open = (bucket) => {
    for (const node of listBox.querySelectorAll('button')) node.setAttribute('aria-pressed', String(node.dataset.bucket === bucket.name));
    detail.replaceChildren(bucketPanel(bucket, messages, reloadUsage));
  };
  const load = async (select) => {
    try {
      const buckets = (await api('GET', '/admin/buckets')).items ?? [];
      if (buckets.length === 0) {
        listBox.replaceChildren(element('li', {}, [emptyState('No buckets yet. Create one below, then upload files into it.')]));
        detail.replaceChildren();
        return;
      }
      listBox.replaceChildren(...buckets.map((b) => element('li', {}, [button(b.name, () => open(b), { attrs: { 'data-bucket': b.name, 'aria-pressed': 'false' } })])));
      open(buckets.find((b) => b.name === select) ?? buckets[0]);
    } catch (error) {
      listBox.replaceChildren(element('li', {}, [errorNotice(error)]));
    }
  };
  const createForm = nameForm({
    label: 'New bucket', buttonText: 'Create bucket', id: 'bucket-name', messages,
    create: async (name) => {
      await api('POST', '/admin/buckets', { name });
      messages.replaceChildren(notice(`Bucket “${name}” created.`, 'ok'));
      await load(name);
    },
  });
  container.replaceChildren(messages, element('div', { className: 'split' }, [
    element('div', {}, [panel('Buckets', [listBox, createForm])]), detail,
  ]), panel('Space used', [usageBox], 'storage-usage'));
  load();
}
