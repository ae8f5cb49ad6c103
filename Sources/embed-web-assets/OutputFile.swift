#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the generated file through a sibling temporary file and `rename(2)`, so a build
/// interrupted mid-write never leaves half a Swift file behind. Plain libc rather than
/// `Data.write(options: .atomic)`: linked statically (`--static-swift-stdlib`), that pulls in
/// Foundation's `mktemp` use and its linker warning.
enum OutputFile {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func replace(_ path: String, with bytes: [UInt8]) throws {
        let temporary = path + ".partial"
        guard let file = fopen(temporary, "wb") else { throw Failure(description: "cannot create \(temporary): errno \(errno)") }
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else {
            unlink(temporary)
            throw Failure(description: "cannot write \(temporary): errno \(errno)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure(description: "cannot rename \(temporary) to \(path): errno \(errno)")
        }
    }
}
