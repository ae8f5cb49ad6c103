/// How long an app's own threads (SQLite writer and readers, storage I/O) wait for work before
/// they end; the next work starts them again. An app that serves nothing holds no thread
/// (docs/adr/0024-idle-apps.md).
public enum IdleThreads {
    /// Long enough that a steadily used app keeps its threads (a restart costs a thread start and,
    /// for a reader, reopening its connection: well under a millisecond), short enough that
    /// 99 unused apps beside a busy one give theirs back within seconds.
    public static let timeout: Duration = .seconds(5)
}
