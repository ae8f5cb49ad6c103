import AppBaseHTTP

/// The page at `/ca` (and its files under `/ca/`) that offers the server's CA certificate and
/// explains how to trust it; the certificate routes themselves are AppBaseTLS's.
public enum CertificateAuthorityPageRoutes {
    public static func register(on routes: inout RouteTable) {
        StaticAssetRoutes(assets: WebAssets.ca, mount: "/ca", indexPaths: ["/ca"]).register(on: &routes)
    }
}
