import AppBaseCore
import AppBaseHTTP
import OrderedCollections

/// Reading the parts of a storage request: path parameters, query values, small JSON bodies
/// and the upload's format. Every client value is validated here before it reaches a query.
enum StorageRequest {
    /// Largest JSON body of the storage and admin routes.
    static let maxJSONBytes = 64 * 1024

    /// The `:bucket` parameter, validated (400 otherwise).
    static func bucket(_ context: RequestContext) throws -> String {
        try ResourceName.validatedBucket(try context.parameter("bucket"))
    }

    /// The `:fileId` parameter: a canonical UUID, else 404 (no such file can exist).
    static func fileID(_ context: RequestContext) throws -> String {
        let id = try context.parameter("fileId")
        guard Identifier.isUUID(id) else { throw StorageErrors.fileNotFound }
        return id
    }

    /// A positive version number from a path parameter or query value (400 otherwise).
    static func version(_ text: String, field: String) throws(AppBaseError) -> Int64 {
        guard let value = positiveInteger(text) else {
            throw AppBaseError.validation("\(field) must be a positive integer.", field: field)
        }
        return value
    }

    /// `?version=N` when present.
    static func versionQuery(_ request: HTTPRequest) throws(AppBaseError) -> Int64? {
        guard let text = request.queryValue("version") else { return nil }
        return try version(text, field: "version")
    }

    /// Plain decimal digits (at most 18, so no overflow), greater than zero.
    static func positiveInteger(_ text: String) -> Int64? {
        guard (1...18).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let value = Int64(text), value > 0 else { return nil }
        return value
    }

    /// The body as a JSON object; an empty body is `{}` when `emptyIsObject`.
    static func jsonObject(_ request: HTTPRequest, emptyIsObject: Bool = false) async throws -> JSONValue {
        let bytes = try await request.body.collect(upTo: maxJSONBytes)
        if bytes.isEmpty && emptyIsObject { return .object([:]) }
        let value: JSONValue
        do throws(JSONParseError) {
            value = try JSONParser.parse(bytes)
        } catch {
            throw error.appBaseError
        }
        guard case .object = value else { throw AppBaseError.badRequest("The body must be a JSON object.") }
        return value
    }

    /// How an upload's body carries the file: `multipart/form-data`, else the raw bytes with
    /// their `Content-Type`.
    static func uploadFormat(_ request: HTTPRequest) throws -> UploadReceiver.Format {
        let contentType = request.headers["content-type"]
        if let contentType, MediaType.essence(contentType) == "multipart/form-data" {
            do throws(MultipartError) {
                return .multipart(boundary: try MultipartParser.boundary(fromContentType: contentType),
                                  declaredLength: request.contentLength)
            } catch {
                throw StorageErrors.multipart(error)
            }
        }
        return .raw(declaredType: try UploadGate.normalizedType(contentType), declaredLength: request.contentLength)
    }

    /// `?name=` of a raw upload, validated (stored only, never a path).
    /// - Throws: 400 `bad_request` when the value's escapes are malformed or decode to bytes that
    ///   are not UTF-8 (`QueryString.parse` would keep such a value still encoded, and that text
    ///   would be stored as the name); 400 `validation_failed` for a name the validator refuses.
    static func nameQuery(_ request: HTTPRequest) throws -> String? {
        guard let raw = QueryString.encodedValue(named: "name", in: request.query) else { return nil }
        guard let name = QueryString.percentDecode(raw, plusAsSpace: true) else {
            throw AppBaseError.badRequest("The name parameter is not valid percent-encoded UTF-8.")
        }
        do throws(FileNameValidator.ValidationError) {
            return try FileNameValidator.validate(name)
        } catch {
            throw StorageErrors.fileName(error)
        }
    }
}
