import AppBaseCore
import AppBaseHTTP
import AppBaseTLS
import Testing

/// `[tls] plain`: what a plain-HTTP request gets while TLS is on.
@Suite struct PlainHTTPPolicyTests {
    private struct Served: HTTPDispatcher {
        func dispatch(_ request: HTTPRequest) -> DispatchDecision { .respond(HTTPResponse(status: 200)) }
    }

    private func status(_ policy: TLSSettings.PlainPolicy, path: String = "/api/items", query: String = "", method: String = "GET",
                        headers: [(String, String)], secure: Bool = false, localPort: Int = 8080) -> (Int, String?) {
        var request = HTTPRequest(methodName: method, path: path, query: query, headers: HTTPHeaders(headers))
        request.isSecure = secure
        request.localPort = localPort
        guard case .respond(let response) = PlainHTTPPolicyDispatcher(inner: Served(), policy: policy).dispatch(request) else {
            return (0, nil)
        }
        return (response.status, response.headers["location"])
    }

    private let browser = [("Host", "notes.appbase.local:8080"), ("Upgrade-Insecure-Requests", "1")]

    @Test func aBrowserNavigationIsRedirectedToHTTPSOnTheSamePort() {
        let (code, location) = status(.redirect, path: "/notes/list", query: "a=1", headers: browser)
        #expect(code == 308)
        #expect(location == "https://notes.appbase.local:8080/notes/list?a=1")
    }

    @Test("a Host without a port (port 80) is sent to https on the port the request arrived on, not to 443",
          arguments: [
              ("notes.appbase.local", 80, "https://notes.appbase.local:80/"),
              ("notes.appbase.local", 443, "https://notes.appbase.local/"),
              ("192.168.1.20", 80, "https://192.168.1.20:80/"),
              ("[fe80::1]", 80, "https://[fe80::1]:80/"),
              ("[fe80::1]:3100", 3100, "https://[fe80::1]:3100/"),
              ("notes.appbase.local:80", 80, "https://notes.appbase.local:80/"),
          ])
    func aHostWithoutPortKeepsTheListenersPort(host: String, port: Int, expected: String) {
        let (code, location) = status(.redirect, path: "/", headers: [("Host", host), ("Upgrade-Insecure-Requests", "1")],
                                      localPort: port)
        #expect(code == 308)
        #expect(location == expected)
    }

    @Test func apiClientsTLSAndOtherMethodsAreServed() {
        #expect(status(.redirect, headers: [("Host", "api.notes.appbase.local")]).0 == 200)
        #expect(status(.redirect, headers: browser, secure: true).0 == 200)
        #expect(status(.redirect, method: "POST", headers: browser).0 == 200)
        #expect(status(.serve, headers: browser).0 == 200)
    }

    @Test(arguments: ["/health", "/ca", "/ca/appbase-ca.pem", "/ca/info"])
    func healthAndTheCAPageAlwaysAnswerInPlainHTTP(path: String) {
        #expect(status(.redirect, path: path, headers: browser).0 == 200)
        #expect(status(.refuse, path: path, headers: browser).0 == 200)
    }

    @Test func refuseAnswers403AndAHostilHostIsNotEchoed() {
        #expect(status(.refuse, headers: [("Host", "appbase.local")]).0 == 403)
        #expect(status(.refuse, headers: [("Host", "appbase.local")], secure: true).0 == 200)
        let hostile = [("Host", "evil.example/@x"), ("Upgrade-Insecure-Requests", "1")]
        #expect(status(.redirect, headers: hostile).0 == 200)
    }
}
