import AppBaseSQLite

/// The storage tables in the app database (migration namespace `storage`).
///
/// Table names carry a `storage_` prefix because the database is shared with the app's own
/// collections. Usage per app and per user is kept by triggers on `storage_file_versions`, so
/// it changes in the same transaction as the rows and can be checked there (quotas).
enum StorageSchema {
    static let namespace = "storage"

    static let migrations: [Migration] = [
        Migration(version: 1, name: "buckets, files, versions, usage", sql: """
            CREATE TABLE storage_buckets (
                name TEXT PRIMARY KEY,
                rules TEXT NOT NULL,
                max_file_bytes INTEGER,
                allowed_types TEXT,
                versions_kept INTEGER,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE storage_files (
                id TEXT PRIMARY KEY,
                bucket TEXT NOT NULL REFERENCES storage_buckets(name),
                name TEXT NOT NULL,
                owner_id TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                current_version INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX storage_files_by_name ON storage_files (bucket, name, id);
            CREATE TABLE storage_file_versions (
                file_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                blob_id TEXT NOT NULL UNIQUE,
                size INTEGER NOT NULL,
                sha256 TEXT NOT NULL,
                content_type TEXT NOT NULL,
                owner_id TEXT,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (file_id, version)
            ) WITHOUT ROWID;
            CREATE TABLE storage_usage (
                scope TEXT PRIMARY KEY,
                bytes INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TRIGGER storage_usage_add AFTER INSERT ON storage_file_versions BEGIN
                INSERT INTO storage_usage (scope, bytes) VALUES ('app', NEW.size)
                    ON CONFLICT (scope) DO UPDATE SET bytes = bytes + excluded.bytes;
                INSERT INTO storage_usage (scope, bytes) SELECT 'user:' || NEW.owner_id, NEW.size
                    WHERE NEW.owner_id IS NOT NULL
                    ON CONFLICT (scope) DO UPDATE SET bytes = bytes + excluded.bytes;
            END;
            CREATE TRIGGER storage_usage_remove AFTER DELETE ON storage_file_versions BEGIN
                UPDATE storage_usage SET bytes = bytes - OLD.size
                    WHERE scope = 'app' OR scope = 'user:' || OLD.owner_id;
            END;
            """),
        // Signed URLs are bound to this generation (bumped when the read rule changes).
        Migration(version: 2, name: "bucket url generation", sql: """
            ALTER TABLE storage_buckets ADD COLUMN url_generation INTEGER NOT NULL DEFAULT 1;
            """),
        // Erasing a user (`DELETE /admin/users/:id?records=delete`) finds their files by owner:
        // partial, so the many files without an owner (app uploads) cost the index nothing.
        Migration(version: 3, name: "files by owner", sql: """
            CREATE INDEX storage_files_by_owner ON storage_files (owner_id) WHERE owner_id IS NOT NULL;
            """),
    ]
}
