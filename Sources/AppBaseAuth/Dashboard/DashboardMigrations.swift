import AppBaseSQLite

/// The dashboard schema, namespace `dashboard`, inside the app's `app.sqlite`: the people who run the
/// app (dashboard admins, separate from the app's own users), their browser sessions and the one-time
/// setup tokens. Every table is prefixed `dashboard_` so it can never collide with a collection's table.
///
/// Times are Unix milliseconds. Secrets are never stored: passwords as Argon2id PHC strings, session
/// cookies and setup tokens as SHA-256 digests (256 random bits each, so a plain hash is enough).
enum DashboardMigrations {
    static let namespace = "dashboard"

    static let all: [Migration] = [
        Migration(version: 1, name: "dashboard admins sessions setup tokens", sql: """
            CREATE TABLE dashboard_admins (
                id TEXT PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                last_login_at INTEGER
            ) WITHOUT ROWID;

            -- One browser sign-in. The cookie carries the token; only its digest is kept.
            CREATE TABLE dashboard_sessions (
                id TEXT PRIMARY KEY,
                admin_id TEXT NOT NULL REFERENCES dashboard_admins(id),
                token_hash BLOB NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                revoked_at INTEGER,
                ip TEXT,
                user_agent TEXT
            ) WITHOUT ROWID;
            CREATE INDEX dashboard_sessions_by_admin ON dashboard_sessions (admin_id);

            -- The first-run setup link's token: valid until expires_at, once.
            CREATE TABLE dashboard_setup_tokens (
                token_hash BLOB PRIMARY KEY,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                used_at INTEGER
            ) WITHOUT ROWID;
            """),
    ]
}
