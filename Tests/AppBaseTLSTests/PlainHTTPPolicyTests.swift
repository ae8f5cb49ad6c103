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
                        headers: [(String, String)], secure: Bool = false) -> (Int, String?) {
        var request = HTTPRequest(methodName: method, path: path, query: query, headers: HTTPHeaders(headers))
        request.isSecure = secure
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
