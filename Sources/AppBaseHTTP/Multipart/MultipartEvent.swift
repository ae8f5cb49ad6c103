/// One step of a streaming `multipart/form-data` parse, produced by `MultipartParser.feed`.
///
/// For a well-formed body the sequence is `(partStart bodyBytes* partEnd)* end`.
public enum MultipartEvent: Sendable, Equatable {
    /// A part begins; its headers have been fully parsed.
    case partStart(MultipartPartHeaders)
    /// Some bytes of the current part's body, in order; never empty. Concatenating the
    /// chunks between `partStart` and `partEnd` gives the part's body exactly.
    case bodyBytes([UInt8])
    /// The current part's body is complete.
    case partEnd
    /// The closing delimiter was seen; anything after it (the epilogue) is ignored.
    case end
}
