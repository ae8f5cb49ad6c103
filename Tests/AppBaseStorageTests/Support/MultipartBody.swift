/// Builds `multipart/form-data` request bodies for tests.
enum MultipartBody {
    static let boundary = "----StorageTestBoundary9f8e7d"
    static let contentType = "multipart/form-data; boundary=\(boundary)"

    enum Part {
        case field(name: String, value: String)
        case file(filename: String, contentType: String?, bytes: [UInt8])
    }

    static func make(_ parts: [Part]) -> [UInt8] {
        var body: [UInt8] = []
        for part in parts {
            body += Array("--\(boundary)\r\n".utf8)
            switch part {
            case .field(let name, let value):
                body += Array("Content-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)".utf8)
            case .file(let filename, let contentType, let bytes):
                body += Array("Content-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n".utf8)
                if let contentType { body += Array("Content-Type: \(contentType)\r\n".utf8) }
                body += Array("\r\n".utf8) + bytes
            }
            body += Array("\r\n".utf8)
        }
        return body + Array("--\(boundary)--\r\n".utf8)
    }
}
