import AppBaseCore

extension HTTPRequest {
    /// The `limit` query parameter of a cursor-paged route (`?limit=1…maximum`): `fallback` when
    /// absent.
    /// - Throws: 400 `validation_failed` (field `limit`) when it is not a whole number in range.
    public func pageLimit(default fallback: Int = 50, maximum: Int = 200) throws(AppBaseError) -> Int {
        guard let text = queryValue("limit") else { return fallback }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw AppBaseError.validation("limit must be between 1 and \(maximum).", field: "limit")
        }
        return value
    }
}
