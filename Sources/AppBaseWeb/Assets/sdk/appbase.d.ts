// Type declarations for the AppBase JavaScript SDK (appbase.js), written by hand and checked by
// `tsc --noEmit` over Tests/js/types/usage.ts. Served by every app at /sdk/appbase.d.ts.

/** The server's error body (docs/API-SPEC.md, "Errors"), or a local `network_error`, `aborted`, `signed_out`. */
export class AppBaseError extends Error {
  readonly name: 'AppBaseError';
  /** Stable machine-readable code: `token_expired`, `version_conflict`, `not_found`, … */
  readonly code: string;
  /** HTTP status; 0 for local errors. */
  readonly status: number;
  readonly requestId: string | null;
  readonly details: Record<string, unknown> | null;
  /** Seconds from `Retry-After` (429 and 503), or null. */
  readonly retryAfter: number | null;
  static fromResponse(response: Response): Promise<AppBaseError>;
}

/** Where the session lives: the `localStorage` interface, synchronous or asynchronous. */
export interface SessionStore {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** Keeps the session in memory (the default outside browsers). */
export class MemoryStore implements SessionStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface AppBaseOptions {
  /** The app's API base URL, e.g. `http://localhost:3101`. */
  endpoint: string;
  /** A client key (`hs_live_…`) of the app. */
  apiKey: string;
  /** Default: `localStorage` in a browser, `MemoryStore` elsewhere. */
  store?: SessionStore;
  /** Key under which the session is stored; default `appbase.session:<endpoint>`. */
  storageKey?: string;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Web Locks manager for cross-tab refresh (default `navigator.locks`); `null` disables. */
  locks?: { request<T>(name: string, callback: () => Promise<T>): Promise<T> } | null;
  /** 429/503 handling: at most `maxRetries` (2) retries, each waiting `Retry-After` if it is ≤ `maxDelayMs` (10 000). */
  retry?: { maxRetries?: number; maxDelayMs?: number };
}

export interface User {
  id: string;
  email: string;
  createdAt: string;
}

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
  /** Milliseconds since the epoch when the access token expires. */
  expiresAt: number;
}

export type AuthEvent = 'INITIAL_SESSION' | 'SIGNED_IN' | 'SIGNED_OUT' | 'TOKEN_REFRESHED';

/** Why a session or a stream ended: `signed_out`, `session_revoked`, `user_disabled`, `refresh_token_reused`, … */
export interface EndReason {
  code: string;
  error?: AppBaseError;
}

export interface Credentials {
  email: string;
  password: string;
}

export interface AuthClient {
  signUp(credentials: Credentials): Promise<Session>;
  signIn(credentials: Credentials): Promise<Session>;
  signOut(): Promise<void>;
  currentUser(): User | null;
  getSession(): Session | null;
  getUser(): Promise<User>;
  onAuthStateChange(callback: (event: AuthEvent, session: Session | null, reason: EndReason | null) => void): () => void;
  ready(): Promise<void>;
}

/** The five fields the server adds to every record. */
export interface SystemFields {
  id: string;
  ownerId: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type StoredRecord<T> = SystemFields & T;

export interface ListOptions {
  filter?: string;
  sort?: string | string[];
  limit?: number;
  cursor?: string;
  fields?: string | string[];
  count?: boolean;
}

export interface Page<T> {
  items: StoredRecord<T>[];
  nextCursor: string | null;
  total?: number;
  /** The list's `X-Change-Seq`: pass it to `subscribe` as `since` for a gapless live query. */
  changeSeq: number | null;
}

export interface Change<T> {
  action: 'create' | 'update' | 'delete';
  collection: string;
  record: StoredRecord<T>;
  seq: number | null;
}

export interface ResetInfo {
  reason: 'expired' | 'future' | 'collection_deleted' | 'rules_changed' | string;
  since: number;
  seq: number;
}

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface SubscribeOptions {
  filter?: string;
  /** Replay every change after this sequence first (a list's `changeSeq`). */
  since?: number | null;
  onReady?: (seq: number) => void;
  /** The server could not resume: refetch (the stream goes on). */
  onReset?: (info: ResetInfo) => void;
  /** The stream ended for good (`auth_revoked`, a refused subscription, …). */
  onEnd?: (reason: EndReason) => void;
  onStatus?: (status: StreamStatus) => void;
  /** A transient failure; the SDK reconnects. */
  onError?: (error: AppBaseError) => void;
  /** First reconnect delay before backoff, ms (default: the server's `retry:` hint). */
  retryMs?: number;
}

export interface WriteOptions {
  /** The version (number) or ETag the write expects; otherwise `412 version_conflict`. */
  ifMatch?: number | string;
}

export interface Collection<T extends object = Record<string, unknown>> {
  readonly name: string;
  create(data: T): Promise<StoredRecord<T>>;
  get(id: string, options?: { fields?: string | string[] }): Promise<StoredRecord<T>>;
  update(id: string, data: T, options?: WriteOptions): Promise<StoredRecord<T>>;
  patch(id: string, data: Partial<{ [K in keyof T]: T[K] | null }>, options?: WriteOptions): Promise<StoredRecord<T>>;
  delete(id: string, options?: WriteOptions): Promise<void>;
  list(options?: ListOptions): Promise<Page<T>>;
  all(options?: Omit<ListOptions, 'limit' | 'cursor' | 'count'> & { pageSize?: number }): AsyncGenerator<StoredRecord<T>, void, undefined>;
  /** Returns `unsubscribe`. */
  subscribe(callback: (change: Change<T>) => void, options?: SubscribeOptions): () => void;
}

export interface BatchOperation {
  op: 'create' | 'update' | 'patch' | 'delete';
  collection: string;
  id?: string;
  data?: Record<string, unknown>;
  ifMatch?: number | string;
}

export interface BatchResult {
  status: number;
  record?: StoredRecord<Record<string, unknown>>;
}

export interface DatabaseClient {
  collection<T extends object = Record<string, unknown>>(name: string): Collection<T>;
  batch(operations: BatchOperation[]): Promise<BatchResult[]>;
}

export interface FileMetadata {
  id: string;
  bucket: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string;
  version: number;
  ownerId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FileVersion {
  version: number;
  size: number;
  sha256: string;
  contentType: string;
  ownerId: string | null;
  createdAt: string;
}

export interface Progress {
  loaded: number;
  total: number | null;
}

export interface UploadOptions {
  name?: string;
  contentType?: string;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export type UploadSource = Blob | ArrayBuffer | ArrayBufferView | string;

export interface StorageClient {
  upload(bucket: string, file: UploadSource, options?: UploadOptions): Promise<FileMetadata>;
  update(bucket: string, id: string, file: UploadSource, options?: UploadOptions): Promise<FileMetadata>;
  getUrl(bucket: string, id: string, options?: { expiresIn?: number; version?: number }): Promise<string>;
  download(bucket: string, id: string, options?: { version?: number; signal?: AbortSignal }): Promise<Blob>;
  list(bucket: string, options?: { prefix?: string; limit?: number; cursor?: string }): Promise<{ items: FileMetadata[]; nextCursor: string | null }>;
  remove(bucket: string, id: string): Promise<void>;
  versions(bucket: string, id: string): Promise<FileVersion[]>;
  restore(bucket: string, id: string, version: number): Promise<FileMetadata>;
}

export class AppBase {
  static init(options: AppBaseOptions): AppBase;
  static readonly version: string;
  constructor(options: AppBaseOptions);
  readonly endpoint: string;
  readonly apiKey: string;
  readonly auth: AuthClient;
  readonly db: DatabaseClient;
  readonly storage: StorageClient;
  /** Resolves once the stored session has been read. */
  readonly ready: Promise<void>;
  readonly session: Session | null;
  /** Refreshes this client has sent to the server. */
  readonly refreshCount: number;
}

export default AppBase;
