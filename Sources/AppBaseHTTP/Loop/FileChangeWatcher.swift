import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// Watches one file through libuv (`uv_fs_event` on its directory, because editors replace a
/// file by renaming a new one over it, which ends a watch on the file itself) and, optionally,
/// a signal (`uv_signal`, SIGHUP for a reload), on the event loop's thread.
///
/// Ownership: `start` allocates both handles on the loop thread and points their `data` at a
/// retained `Callbacks` box; `stop` closes them there, and the close callback frees each handle
/// and releases the box. If the loop stops first it closes every handle itself (without our
/// callback): the handles and box then leak, once, at process shutdown.
public final class FileChangeWatcher: Sendable {
    /// Why `onChange` was called.
    public enum Reason: Sendable, Equatable {
        case fileChanged
        case signal(Int32)
    }

    /// What the C callbacks reach through `handle.data`.
    private final class Callbacks: Sendable {
        let fileName: String
        let onChange: @Sendable (Reason) -> Void
        init(fileName: String, onChange: @escaping @Sendable (Reason) -> Void) {
            self.fileName = fileName
            self.onChange = onChange
        }
    }

    /// The two handles, touched only on the loop thread.
    ///
    /// `@unchecked Sendable` is the libuv bridge: the pointers cross threads only inside
    /// `loop.run` closures, which run on the loop thread.
    private final class Handles: @unchecked Sendable {
        let event = UnsafeMutablePointer<uv_fs_event_t>.allocate(capacity: 1)
        let signal = UnsafeMutablePointer<uv_signal_t>.allocate(capacity: 1)
        var signalStarted = false
    }

    private let loop: EventLoop
    private let handles = Handles()

    /// Why a watch could not start.
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts watching `path` (and `signal`, when given); `onChange` runs on the loop thread,
    /// so it must only hand work on (start a task, resume a continuation).
    public init(loop: EventLoop, path: String, signal: Int32? = nil,
                onChange: @escaping @Sendable (Reason) -> Void) async throws {
        self.loop = loop
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let fileName = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let box = Unmanaged.passRetained(Callbacks(fileName: fileName, onChange: onChange))
        let handles = self.handles
        let status: Int32 = try await loop.run {
            uv_fs_event_init(loop.raw.loop, handles.event)
            handles.event.pointee.data = box.toOpaque()
            let started = uv_fs_event_start(handles.event, { handle, name, _, status in
                guard status == 0, let handle, let data = handle.pointee.data else { return }
                let callbacks = Unmanaged<Callbacks>.fromOpaque(data).takeUnretainedValue()
                // libuv names the file that changed within the watched directory.
                guard let name, String(cString: name) == callbacks.fileName else { return }
                callbacks.onChange(.fileChanged)
            }, directory, 0)
            guard started == 0 else { return started }
            if let signal {
                uv_signal_init(loop.raw.loop, handles.signal)
                handles.signal.pointee.data = box.toOpaque()
                handles.signalStarted = true
                return uv_signal_start(handles.signal, { handle, number in
                    guard let handle, let data = handle.pointee.data else { return }
                    Unmanaged<Callbacks>.fromOpaque(data).takeUnretainedValue().onChange(.signal(number))
                }, signal)
            }
            return 0
        }
        guard status == 0 else {
            await stop()
            throw StartError(description: "cannot watch \(directory): \(String(cString: uv_strerror(status)))")
        }
    }

    /// Stops watching and frees the handles (on the loop thread).
    public func stop() async {
        let handles = self.handles
        _ = try? await loop.run {
            guard let data = handles.event.pointee.data else { return }
            handles.event.pointee.data = nil
            uv_close(UnsafeMutableRawPointer(handles.event).assumingMemoryBound(to: uv_handle_t.self)) { handle in
                handle?.deallocate()
            }
            if handles.signalStarted {
                handles.signalStarted = false
                uv_close(UnsafeMutableRawPointer(handles.signal).assumingMemoryBound(to: uv_handle_t.self)) { handle in
                    handle?.deallocate()
                }
            } else {
                handles.signal.deallocate()
            }
            Unmanaged<Callbacks>.fromOpaque(data).release()
        }
    }
}
