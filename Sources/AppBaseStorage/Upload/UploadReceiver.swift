import AppBaseCore
import AppBaseHTTP

/// Reads an upload's body — raw, or `multipart/form-data` with a `file` part and an optional
/// `name` field — and streams the file's bytes into an `UploadSink` through an `UploadGate`.
///
/// Nothing is buffered beyond one batch (`batchBytes` plus one socket chunk) and the sink's
/// few queued batches; the body's own backpressure does the rest.
struct UploadReceiver: Sendable {
    /// How the body carries the file.
    enum Format: Sendable {
        /// The body is the file; its `Content-Type` is the file's.
        case raw(declaredType: String?, declaredLength: Int64?)
        /// A form whose `file` part is the file.
        case multipart(boundary: String, declaredLength: Int64?)
    }

    /// What arrived, once the body ended and every check passed (the sink is not yet finished).
    struct Received: Sendable {
        var contentType: String
        /// From the `name` field, else the file part's file name (multipart only; validated).
        var name: String?
        var size: Int64
    }

    /// Bytes gathered before a batch goes to the sink.
    static let batchBytes = 256 * 1024

    let format: Format
    let makeGate: @Sendable (_ declaredType: String?) -> UploadGate

    /// The checks that need no body byte, so an upload that cannot fit is refused before
    /// anything is created on disk: a raw body's declared length and type; for a form, a
    /// declared length beyond the file limit plus the most framing a form may carry.
    func checkUpfront() throws(AppBaseError) {
        switch format {
        case .raw(let declaredType, let declaredLength):
            try makeGate(declaredType).checkUpfront(declaredLength: declaredLength)
        case .multipart(_, let declaredLength):
            guard let declaredLength else { return }
            let smallestFile = declaredLength - Int64(MultipartUpload.maxOverheadBytes)
            if smallestFile > 0 { try makeGate(nil).checkUpfront(declaredLength: smallestFile) }
        }
    }

    /// Reads the whole body into `sink`. The caller aborts the sink if this throws.
    func receive(_ body: RequestBody, into sink: UploadSink) async throws -> Received {
        switch format {
        case .raw(let declaredType, let declaredLength):
            var gate = makeGate(declaredType)
            try gate.checkUpfront(declaredLength: declaredLength)
            var batch = UploadBatch()
            for try await chunk in body {
                try gate.accept(chunk)
                try await batch.add(chunk, to: sink)
            }
            try await batch.flush(to: sink)
            return Received(contentType: try gate.finish(), name: nil, size: gate.received)
        case .multipart(let boundary, _):
            var upload = try MultipartUpload(boundary: boundary, makeGate: makeGate)
            for try await chunk in body { try await upload.consume(chunk, into: sink) }
            return try await upload.finish(into: sink)
        }
    }
}

/// Socket chunks gathered into one batch for the sink (no copying: the arrays are handed on).
struct UploadBatch {
    private var chunks: [[UInt8]] = []
    private var bytes = 0

    mutating func add(_ chunk: [UInt8], to sink: UploadSink) async throws {
        chunks.append(chunk)
        bytes += chunk.count
        if bytes >= UploadReceiver.batchBytes { try await flush(to: sink) }
    }

    mutating func flush(to sink: UploadSink) async throws {
        guard !chunks.isEmpty else { return }
        let ready = chunks
        chunks = []
        bytes = 0
        try await sink.append(ready)
    }
}
