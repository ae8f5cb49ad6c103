import AppBaseCore
import AppBaseHTTP

/// One `multipart/form-data` upload in progress: the `file` part streams through its gate into
/// the sink, the `name` field is kept (small), other fields are read and dropped.
///
/// Everything that is not the file's bytes — delimiters, part headers, other fields, preamble
/// and epilogue — may total at most `maxOverheadBytes`. That bound keeps a form from carrying
/// unbounded data past the limits, and lets a declared `Content-Length` prove before the first
/// byte that a file cannot fit (`UploadReceiver.checkUpfront`).
struct MultipartUpload {
    /// The most non-file bytes a form may hold.
    static let maxOverheadBytes = 256 * 1024

    private enum Part {
        case none
        case file
        case nameField
        case ignored
    }

    private var parser: MultipartParser
    private let makeGate: @Sendable (_ declaredType: String?) -> UploadGate
    private var gate: UploadGate?
    private var fileName: String?
    private var nameField: [UInt8]?
    private var part = Part.none
    private var batch = UploadBatch()
    private var totalBytes: Int64 = 0

    init(boundary: String, makeGate: @escaping @Sendable (_ declaredType: String?) -> UploadGate) throws(AppBaseError) {
        do throws(MultipartError) {
            parser = try MultipartParser(boundary: boundary)
        } catch {
            throw StorageErrors.multipart(error)
        }
        self.makeGate = makeGate
    }

    /// Parses one chunk of the body and forwards the file's bytes.
    mutating func consume(_ chunk: [UInt8], into sink: UploadSink) async throws {
        totalBytes += Int64(chunk.count)
        let events: [MultipartEvent]
        do throws(MultipartError) {
            events = try parser.feed(chunk)
        } catch {
            throw StorageErrors.multipart(error)
        }
        for event in events {
            switch event {
            case .partStart(let headers): try start(headers)
            case .bodyBytes(let bytes): try await take(bytes, into: sink)
            case .partEnd: part = .none
            case .end: break
            }
        }
        if totalBytes - (gate?.received ?? 0) > Int64(Self.maxOverheadBytes) {
            throw AppBaseError.badRequest("The form carries more than \(Self.maxOverheadBytes) bytes besides the file.")
        }
    }

    /// Ends the form: the last batch goes to the sink; returns what arrived.
    mutating func finish(into sink: UploadSink) async throws -> UploadReceiver.Received {
        do throws(MultipartError) {
            try parser.finish()
        } catch {
            throw StorageErrors.multipart(error)
        }
        guard var gate else { throw AppBaseError.validation("The form has no 'file' part.", field: "file") }
        try await batch.flush(to: sink)
        let contentType = try gate.finish()
        return UploadReceiver.Received(contentType: contentType, name: try name(), size: gate.received)
    }

    private mutating func start(_ headers: MultipartPartHeaders) throws(AppBaseError) {
        switch headers.name {
        case "file":
            guard gate == nil else { throw AppBaseError.badRequest("Only one 'file' part is allowed.") }
            let newGate = makeGate(try UploadGate.normalizedType(headers.contentType))
            try newGate.checkUpfront(declaredLength: nil)
            gate = newGate
            fileName = headers.filename
            part = .file
        case "name":
            guard nameField == nil else { throw AppBaseError.badRequest("Only one 'name' field is allowed.") }
            nameField = []
            part = .nameField
        default:
            part = .ignored
        }
    }

    private mutating func take(_ bytes: [UInt8], into sink: UploadSink) async throws {
        switch part {
        case .file:
            try gate?.accept(bytes)
            try await batch.add(bytes, to: sink)
        case .nameField:
            nameField?.append(contentsOf: bytes)
            let count = nameField?.count ?? 0
            guard count <= 4 * FileNameValidator.maxBytes else {
                throw StorageErrors.fileName(.tooLong(bytes: count, limit: FileNameValidator.maxBytes))
            }
        case .ignored, .none:
            break
        }
    }

    /// The `name` field when present and non-empty, else the file part's file name; validated.
    private func name() throws(AppBaseError) -> String? {
        do throws(FileNameValidator.ValidationError) {
            if let nameField, !nameField.isEmpty { return try FileNameValidator.validate(utf8: nameField) }
            guard let fileName else { return nil }
            return try FileNameValidator.validate(fileName)
        } catch {
            throw StorageErrors.fileName(error)
        }
    }
}
