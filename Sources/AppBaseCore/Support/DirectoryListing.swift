#if canImport(Glibc)
import Glibc
#endif

/// Reading a directory's names, in one place for the modules that walk the data directory.
///
/// Blocking: call it only where blocking file work belongs (start-up, dedicated I/O threads).
public enum DirectoryListing {
    /// The names in `path`, without `.` and `..`; nil when it cannot be opened (`errno` says why).
    public static func names(in path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            // `d_name` is a fixed-size C array imported as a tuple: read it up to its NUL.
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
