import AppBaseCore
import Testing

/// `SnapshotCell.version`: what lets the change feed skip re-checking an identity per delivery.
@Suite struct SnapshotCellVersionTests {
    @Test func everyPublishAndUpdateMovesTheVersion() {
        let cell = SnapshotCell(1)
        let start = cell.version
        cell.publish(2)
        #expect(cell.version == start + 1)
        let doubled = cell.update { value -> Int in
            value *= 2
            return value
        }
        #expect(doubled == 4 && cell.value == 4)
        #expect(cell.version == start + 2)
    }
}
