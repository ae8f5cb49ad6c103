import AppBaseCore
import Testing

@Suite("CivilDate")
struct CivilDateTests {
    @Test func civilArithmetic() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(CivilDate(year: 2000, month: 3, day: 1).daysSinceEpoch == 11_017)
        #expect(CivilDate(daysSinceEpoch: 11_016) == CivilDate(year: 2000, month: 2, day: 29))
        #expect(CivilDate(daysSinceEpoch: -719_162) == CivilDate(year: 1, month: 1, day: 1))
    }

    @Test func roundTripsEveryDayAcrossFourCenturies() {
        // 1900-01-01 to 2300-01-01: century and 400-year leap rules on both sides of the epoch.
        let wrong = (-25_567..<120_529).filter { days in
            let date = CivilDate(daysSinceEpoch: days)
            return !date.isValid || date.daysSinceEpoch != days
        }
        #expect(wrong.isEmpty)
    }

    @Test func weekdaysAndSplits() {
        #expect(CivilDate.weekday(daysSinceEpoch: 0) == 4)  // Thursday
        #expect(CivilDate.weekday(daysSinceEpoch: -1) == 3)
        #expect(CivilDate.split(secondsSinceEpoch: -1) == (days: -1, secondOfDay: 86_399))
        #expect(CivilDate.split(secondsSinceEpoch: 86_400) == (days: 1, secondOfDay: 0))
        #expect(!CivilDate(year: 1900, month: 2, day: 29).isValid)
        #expect(CivilDate(year: 2000, month: 2, day: 29).isValid)
    }
}
