// Typed usage of the SDK: `tsc --noEmit -p Tests/js/types` checks that appbase.d.ts describes
// the example as written (and rejects misuse marked @ts-expect-error).
import { AppBase, AppBaseError, MemoryStore } from '../../../Sources/AppBaseWeb/Assets/sdk/appbase.js';
import type { Change, Page, Session, StoredRecord, User } from '../../../Sources/AppBaseWeb/Assets/sdk/appbase.js';

interface Entry {
  site: string;
  username: string;
  encrypted: string;
}

export async function example(email: string, password: string, file: File, onProgress: (p: { loaded: number; total: number | null }) => void) {
  const client = AppBase.init({ endpoint: 'http://localhost:3101', apiKey: 'hs_live_x' });
  await client.auth.signUp({ email, password });
  const session: Session = await client.auth.signIn({ email, password });
  const user: User | null = client.auth.currentUser();
  const off = client.auth.onAuthStateChange((event, s, reason) => {
    if (event === 'SIGNED_OUT') console.log(reason?.code, s === null);
  });
  off();

  const meta = await client.storage.upload('avatars', file, { onProgress });
  const url: string = await client.storage.getUrl('avatars', meta.id);
  const blob: Blob = await client.storage.download('avatars', meta.id, { version: 1 });
  const files = await client.storage.list('avatars', { prefix: 'a', limit: 10 });
  const versions = await client.storage.versions('avatars', meta.id);
  await client.storage.restore('avatars', meta.id, versions[0].version);
  await client.storage.remove('avatars', files.items[0].id);

  const passwords = client.db.collection<Entry>('passwords');
  const created: StoredRecord<Entry> = await passwords.create({ site: 's', username: 'u', encrypted: 'e' });
  await passwords.update(created.id, { site: 's', username: 'u', encrypted: 'f' }, { ifMatch: created.version });
  await passwords.patch(created.id, { encrypted: 'g' }, { ifMatch: '"2"' });
  await passwords.delete(created.id, { ifMatch: 3 });
  const page: Page<Entry> = await passwords.list({ filter: 'site = "s"', sort: '-createdAt', limit: 10 });
  for await (const record of passwords.all({ filter: 'site ~ "s"' })) console.log(record.site, record.version);
  const unsubscribe = passwords.subscribe((change: Change<Entry>) => console.log(change.action, change.record.site), {
    filter: 'site = "s"', since: page.changeSeq, onReset: (info) => console.log(info.reason), onEnd: (r) => console.log(r.code),
  });
  unsubscribe();
  const results = await client.db.batch([{ op: 'create', collection: 'passwords', data: { site: 'x' } }]);
  console.log(results[0].status, session.expiresAt, user?.email, url, blob.size);

  try {
    await passwords.get('missing');
  } catch (error) {
    if (error instanceof AppBaseError) console.log(error.code, error.status, error.requestId, error.details, error.retryAfter);
  }
  AppBase.init({ endpoint: 'http://x', apiKey: 'k', store: new MemoryStore(), locks: null, retry: { maxRetries: 1 } });

  // @ts-expect-error a record needs every field of Entry
  await passwords.create({ site: 's' });
  // @ts-expect-error ifMatch is a version or an ETag
  await passwords.delete('id', { ifMatch: true });
  // @ts-expect-error the callback gets a change, not a page
  passwords.subscribe((change: Page<Entry>) => change);
}
