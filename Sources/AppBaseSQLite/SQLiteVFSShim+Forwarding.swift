import CSQLite

extension SQLiteVFSShim {
    /// Methods for a wrapped file that pass every call to the default VFS's file object inside
    /// (version 3: shared memory and memory mapping too); `xClose` also releases the state. A shim
    /// starts from these and replaces the methods it changes.
    static let forwarding = sqlite3_io_methods(
        iVersion: 3,
        xClose: { file in
            guard let file else { return SQLITE_OK }
            return closeWrapped(file)
        },
        xRead: { file, bytes, amount, offset in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xRead?(inner(file), bytes, amount, offset) ?? SQLITE_IOERR
        },
        xWrite: { file, bytes, amount, offset in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xWrite?(inner(file), bytes, amount, offset) ?? SQLITE_IOERR
        },
        xTruncate: { file, size in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xTruncate?(inner(file), size) ?? SQLITE_IOERR
        },
        xSync: { file, flags in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xSync?(inner(file), flags) ?? SQLITE_IOERR
        },
        xFileSize: { file, size in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xFileSize?(inner(file), size) ?? SQLITE_IOERR
        },
        xLock: { file, level in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xLock?(inner(file), level) ?? SQLITE_IOERR
        },
        xUnlock: { file, level in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xUnlock?(inner(file), level) ?? SQLITE_IOERR
        },
        xCheckReservedLock: { file, reserved in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xCheckReservedLock?(inner(file), reserved) ?? SQLITE_IOERR
        },
        xFileControl: { file, operation, argument in
            guard let file else { return SQLITE_NOTFOUND }
            return methods(file).xFileControl?(inner(file), operation, argument) ?? SQLITE_NOTFOUND
        },
        xSectorSize: { file in
            guard let file else { return 4096 }
            return methods(file).xSectorSize?(inner(file)) ?? 4096
        },
        xDeviceCharacteristics: { file in
            guard let file else { return 0 }
            return methods(file).xDeviceCharacteristics?(inner(file)) ?? 0
        },
        xShmMap: { file, region, size, extend, mapped in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xShmMap?(inner(file), region, size, extend, mapped) ?? SQLITE_IOERR
        },
        xShmLock: { file, offset, count, flags in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xShmLock?(inner(file), offset, count, flags) ?? SQLITE_IOERR
        },
        xShmBarrier: { file in
            guard let file else { return }
            methods(file).xShmBarrier?(inner(file))
        },
        xShmUnmap: { file, delete in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xShmUnmap?(inner(file), delete) ?? SQLITE_IOERR
        },
        xFetch: { file, offset, amount, pages in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xFetch?(inner(file), offset, amount, pages) ?? SQLITE_IOERR
        },
        xUnfetch: { file, offset, page in
            guard let file else { return SQLITE_IOERR }
            return methods(file).xUnfetch?(inner(file), offset, page) ?? SQLITE_IOERR
        })
}
