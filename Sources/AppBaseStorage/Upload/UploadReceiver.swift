import AppBaseCore
import AppBaseHTTP

/// Reads an upload's body — raw, or `multipart/form-data` with a `file` part and an optional
/// `name` field — and streams the file's bytes into an `UploadSink` through an `UploadGate`.
///
/// Nothing is buffered beyond one batch (`batchBytes` plus one socket chunk) and the sink's
/// few queued batches; the body's own backpressure does the rest.
struct UploadReceiver {
    /// How the body carries the file.
    enum Format: Sendable {
        /// The body is the file; its `Content-Type` is the file's.
        case raw(declaredType: String?, declaredLength: Int64?)
        case multipart(boundary: String)
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
    /// Bytes of form fields other than the file that are read and ignored.
    static let maxOtherFieldBytes = 64 * 1024

    let format: Format
    let makeGate: @Sendable (_ declaredType: String?) -> UploadGate

    /// The checks that need no body byte (a raw body's declared length and type), so an
    /// upload that cannot fit is refused before anything is created on disk.
    func checkUpfront() throws(AppBaseError) {
        if case .raw(let declaredType, let declaredLength) = format {
            try makeGate(declaredType).checkUpfront(declaredLength: declaredLength)
        }
    }

    /// Reads the whole body into `sink`. The caller aborts the sink if this throws.
    func receive(_ body: RequestBody, into sink: UploadSink) async throws -> Received {
        switch format {
        case .raw(let declaredType, let declaredLength):
            var gate = makeGate(declaredType)
            try gate.checkUpfront(declaredLength: declaredLength)
            var batch = Batch()
            for try await chunk in body {
                try gate.accept(chunk)
                try await batch.add(chunk, to: sink)
            }
            try await batch.flush(to: sink)
            return Received(contentType: try gate.finish(), name: nil, size: gate.received)
        case .multipart(let boundary):
            return try await receiveMultipart(body, boundary: boundary, into: sink)
        }
    }

    private enum Part {
        case none
        case file
        case nameField
        case ignored
    }

    private func receiveMultipart(_ body: RequestBody, boundary: String, into sink: UploadSink) async throws -> Received {
        var parser: MultipartParser
        do throws(MultipartError) { parser = try MultipartParser(boundary: boundary) } catch { throw StorageErrors.multipart(error) }
        var gate: UploadGate?
        var fileName: String?
        var nameField: [UInt8]?
        var otherBytes = 0
        var part = Part.none
        var batch = Batch()
        for try await chunk in body {
            let events: [MultipartEvent]
            do throws(MultipartError) { events = try parser.feed(chunk) } catch { throw StorageErrors.multipart(error) }
            for event in events {
                switch event {
                case .partStart(let headers):
                    if headers.name == "file" {
                        guard gate == nil else { throw AppBaseError.badRequest("Only one 'file' part is allowed.") }
                        let newGate = makeGate(try UploadGate.normalizedType(headers.contentType))
                        try newGate.checkUpfront(declaredLength: nil)
                        gate = newGate
                        fileName = headers.filename
                        part = .file
                    } else if headers.name == "name" {
                        guard nameField == nil else { throw AppBaseError.badRequest("Only one 'name' field is allowed.") }
                        nameField = []
                        part = .nameField
                    } else {
                        part = .ignored
                    }
                case .bodyBytes(let bytes):
                    switch part {
                    case .file:
                        try gate?.accept(bytes)
                        try await batch.add(bytes, to: sink)
                    case .nameField:
                        nameField?.append(contentsOf: bytes)
                        guard (nameField?.count ?? 0) <= 4 * FileNameValidator.maxBytes else {
                            throw StorageErrors.fileName(.tooLong(bytes: nameField?.count ?? 0, limit: FileNameValidator.maxBytes))
                        }
                    case .ignored, .none:
                        otherBytes += bytes.count
                        guard otherBytes <= Self.maxOtherFieldBytes else {
                            throw AppBaseError.badRequest("Form fields other than 'file' and 'name' exceed \(Self.maxOtherFieldBytes) bytes.")
                        }
                    }
                case .partEnd:
                    part = .none
                case .end:
                    break
                }
            }
        }
        do throws(MultipartError) { try parser.finish() } catch { throw StorageErrors.multipart(error) }
        guard var gate else { throw AppBaseError.validation("The form has no 'file' part.", field: "file") }
        try await batch.flush(to: sink)
        let contentType = try gate.finish()
        let name: String?
        do throws(FileNameValidator.ValidationError) {
            if let nameField, !nameField.isEmpty {
                name = try FileNameValidator.validate(utf8: nameField)
            } else {
                name = try fileName.map { name throws(FileNameValidator.ValidationError) in try FileNameValidator.validate(name) }
            }
        } catch {
            throw StorageErrors.fileName(error)
        }
        return Received(contentType: contentType, name: name, size: gate.received)
    }
}

/// Socket chunks gathered into one batch for the sink (no copying: the arrays are handed on).
private struct Batch {
    var chunks: [[UInt8]] = []
    var bytes = 0

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
