import AppBaseCore
import AppBaseTLS
#if canImport(Glibc)
import Glibc
#endif

/// `appbase tls …` on the command line, with or without a running server.
public enum TLSAdministration {
    /// The CA certificate as PEM: the configured one, or the local one under the data
    /// directory — created now if the server has not started with TLS yet, so a script can
    /// distribute it before the first start.
    /// - Throws: `TLSError` when the data directory does not exist (a mistyped `--data-dir`
    ///   would otherwise get a new CA that no server uses), or the CA cannot be read or made.
    public static func exportCA(configuration: ServerConfiguration, dataDirectory: String) throws(TLSError) -> String {
        let ownCA = configuration.tls.caCertificatePath != nil && configuration.tls.caKeyPath != nil
        if !ownCA && !isDirectory(dataDirectory) {
            throw TLSError("""
                the data directory \(dataDirectory) does not exist, so it holds no CA yet. Start the server \
                once (appbase serve --data-dir \(dataDirectory)): it creates the directory and, with [tls] \
                enabled, the CA; or pass the --data-dir your server uses.
                """)
        }
        return try PlatformTLS.authority(settings: configuration.tls, dataDirectory: dataDirectory, clock: SystemWallClock()).pem
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
