/// What metrics know about the route that answered a request: the app and the route's
/// *pattern* (`/db/collections/:collection/:id`), never the raw path, so label values stay
/// bounded by the route table.
///
/// One instance per route, made when the `Router` is built; a response carries a reference
/// to it (one retain), so tagging a response costs no allocation.
public final class RouteLabel: Sendable {
    /// The app (or `master` for the control plane).
    public let app: String
    /// The route pattern, or `RouteLabel.unmatchedPattern` for 404/405/preflight answers.
    public let pattern: String

    public init(app: String, pattern: String) {
        self.app = app
        self.pattern = pattern
    }

    /// The pattern recorded for requests no route matched (404, 405, preflights).
    public static let unmatchedPattern = "unmatched"
}
