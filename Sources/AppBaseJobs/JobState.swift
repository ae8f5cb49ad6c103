/// Where a job is: `queued → running → done | failed`; a failed try with attempts left goes
/// back to `queued` with a later `runAt`; `POST …/retry` moves `failed → queued`.
public enum JobState: String, Sendable, Hashable, CaseIterable {
    case queued, running, done, failed
}
