import AppBaseCore
import AppBaseTLS

/// `appbase tls …` on the command line, with or without a running server.
public enum TLSAdministration {
    /// The CA certificate as PEM: the configured one, or the local one under the data
    /// directory — created now if the server has not started with TLS yet, so a script can
    /// distribute it before the first start.
    public static func exportCA(configuration: ServerConfiguration, dataDirectory: String) throws(TLSError) -> String {
        try PlatformTLS.authority(settings: configuration.tls, dataDirectory: dataDirectory, clock: SystemWallClock()).pem
    }
}
