@testable import AppBaseCollections
import Testing

/// The literal every query index is partial on (ADR 0049): a valid name as it is; a name from a
/// hand-edited database that the grammar would refuse is escaped, never able to break the SQL.
@Suite struct CollectionTermTests {
    @Test func aCollectionTermIsAnEscapedStringLiteral() {
        #expect(PhysicalIndex.collectionTerm("notes") == "collection = 'notes'")
        #expect(PhysicalIndex.collectionTerm("o'brien") == "collection = 'o''brien'")
        #expect(PhysicalIndex.collectionTerm("''") == "collection = ''''''")
    }
}
