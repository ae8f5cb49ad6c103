import AppBaseRuntime
import AppBaseSQLite

/// The auth schema, namespace `auth`, inside the app's `app.sqlite`. Every table is prefixed `auth_`
/// so it can never collide with a user collection's table.
///
/// Times are Unix milliseconds. Secrets are never stored: passwords as Argon2id PHC strings, refresh
/// tokens and API keys as SHA-256 digests (BLOB, 32 bytes), with a short clear prefix for keys.
enum AuthMigrations {
    static let namespace = "auth"

    static let all: [Migration] = [
        Migration(version: 1, name: "users sessions refresh tokens api keys", sql: """
            CREATE TABLE auth_users (
                id TEXT PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                disabled_at INTEGER
            ) WITHOUT ROWID;

            -- One login session: the family of refresh tokens issued by one login.
            CREATE TABLE auth_sessions (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES auth_users(id),
                created_at INTEGER NOT NULL,
                refreshed_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                revoked_at INTEGER,
                revoked_reason TEXT,
                ip TEXT,
                user_agent TEXT
            ) WITHOUT ROWID;
            CREATE INDEX auth_sessions_by_user ON auth_sessions (user_id);
            CREATE INDEX auth_sessions_by_revocation ON auth_sessions (revoked_at) WHERE revoked_at IS NOT NULL;

            -- Every refresh token ever issued for a live session; rotated ones are kept (until they
            -- expire) so that presenting one again is recognised as reuse.
            CREATE TABLE auth_refresh_tokens (
                token_hash BLOB PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES auth_sessions(id),
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                rotated_at INTEGER
            ) WITHOUT ROWID;
            CREATE INDEX auth_refresh_tokens_by_session ON auth_refresh_tokens (session_id);
            CREATE INDEX auth_refresh_tokens_by_expiry ON auth_refresh_tokens (expires_at);

            CREATE TABLE auth_api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                prefix TEXT NOT NULL,
                key_hash BLOB NOT NULL UNIQUE,
                kind TEXT NOT NULL CHECK (kind IN ('client', 'admin')),
                created_at INTEGER NOT NULL,
                last_used_at INTEGER,
                revoked_at INTEGER
            ) WITHOUT ROWID;

            -- Small named values. `keys_generation` grows with every key change (CLI included), so a
            -- reload never publishes an older key set over a newer one.
            CREATE TABLE auth_meta (
                name TEXT PRIMARY KEY,
                value INTEGER NOT NULL
            ) WITHOUT ROWID;
            INSERT INTO auth_meta (name, value) VALUES ('keys_generation', 0);
            """),
    ]
}
