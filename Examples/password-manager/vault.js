// The vault's cryptography, all in the browser with WebCrypto; the server only ever stores
// ciphertext, random salts and IVs.
//
// - Account password: PBKDF2-SHA-256(master password, "appbase-password-manager/auth/" + email),
//   so the server's login never sees the master password itself.
// - Vault key: PBKDF2-SHA-256(master password, per-user random salt) → AES-GCM-256, not
//   extractable. The salt lives in the user's `vault_meta` record with an encrypted check
//   value that tells a wrong master password apart from a damaged vault.
// - Entries and attachments: AES-GCM with a fresh 96-bit IV each, the user id as additional
//   data (a record moved to another account does not decrypt).

export const ITERATIONS = 600_000;
const AUTH_CONTEXT = 'appbase-password-manager/auth/';
const CHECK_TEXT = 'appbase-password-manager vault v1';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Whether this page may encrypt at all (WebCrypto exists only in a secure context). */
export function cryptoAvailable() {
  return Boolean(globalThis.isSecureContext && globalThis.crypto?.subtle);
}

export function toBase64(bytes) {
  let text = '';
  const view = new Uint8Array(bytes);
  for (let i = 0; i < view.length; i += 0x8000) text += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(text);
}

export function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function pbkdf2Bits(password, salt, iterations) {
  const material = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits', 'deriveKey']);
  return crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material, 256);
}

/** The password the account is registered with: derived, never the master password. */
export async function accountPassword(masterPassword, email) {
  const bits = await pbkdf2Bits(masterPassword, encoder.encode(AUTH_CONTEXT + email.trim().toLowerCase()), ITERATIONS);
  return toBase64(bits);
}

async function vaultKey(masterPassword, salt, iterations) {
  const material = await crypto.subtle.importKey('raw', encoder.encode(masterPassword), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material,
    { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/** Seals bytes: `{iv, data}` in base64. */
export async function sealBytes(key, bytes, userId) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(userId) }, key, bytes);
  return { iv: toBase64(iv), data: new Uint8Array(data) };
}

export async function openBytes(key, iv, data, userId) {
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(iv), additionalData: encoder.encode(userId) }, key, data));
}

export async function sealJSON(key, value, userId) {
  const sealed = await sealBytes(key, encoder.encode(JSON.stringify(value)), userId);
  return { iv: sealed.iv, data: toBase64(sealed.data) };
}

export async function openJSON(key, sealed, userId) {
  return JSON.parse(decoder.decode(await openBytes(key, sealed.iv, fromBase64(sealed.data), userId)));
}

/** A new vault for a new user: random salt, the key, and the meta record to store. */
export async function createVault(masterPassword, userId) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await vaultKey(masterPassword, salt, ITERATIONS);
  const check = await sealJSON(key, CHECK_TEXT, userId);
  return { key, meta: { kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: ITERATIONS }, salt: toBase64(salt), check } };
}

/** The key for an existing vault, or null when the master password does not open it. */
export async function openVault(masterPassword, meta, userId) {
  const key = await vaultKey(masterPassword, fromBase64(meta.salt), Math.max(ITERATIONS, meta.kdf?.iterations ?? 0));
  try {
    return (await openJSON(key, meta.check, userId)) === CHECK_TEXT ? key : null;
  } catch {
    return null;
  }
}
