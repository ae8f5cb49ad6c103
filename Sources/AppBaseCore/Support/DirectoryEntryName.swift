#if canImport(Glibc)
import Glibc
#endif

extension dirent {
    /// The entry's name: `d_name` is a fixed-size C array imported as a tuple, read here up to its NUL.
    public var name: String {
        withUnsafePointer(to: d_name) { pointer in
            pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: d_name)) { String(cString: $0) }
        }
    }
}
