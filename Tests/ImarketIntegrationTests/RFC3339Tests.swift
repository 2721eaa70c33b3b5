import Foundation
import XCTest

@testable import ImarketApp

/// Timestamps are formatted by hand (no gmtime, no formatter): checked against glibc's `gmtime_r`
/// across leap years, century rules, the epoch and dates before it.
final class RFC3339Tests: XCTestCase {
    private func reference(_ seconds: Int, ms: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), ms)
    }

    func testFormatMatchesGmtime() {
        var generator = SystemRandomNumberGenerator()
        // 0001-01-01 to 9999-12-31, plus the edges that trip day arithmetic.
        var samples = (0..<20_000).map { _ in Int.random(in: -62_135_596_800...253_402_300_799, using: &generator) }
        samples += [0, -1, 86_399, 86_400, -86_400, -86_401, 951_782_400, 951_868_800, 4_107_456_000, 4_107_542_400,
                    1_796_083_199, 1_796_083_200, -62_135_596_800, 253_402_300_799]
        for seconds in samples {
            let ms = abs(seconds % 1000)
            let date = Date(timeIntervalSince1970: Double(seconds) + Double(ms) / 1000 + 0.0001)
            XCTAssertEqual(RFC3339.format(date), reference(seconds, ms: ms), "\(seconds)")
        }
    }

    func testFormatRoundTripsThroughParse() {
        let date = Date(timeIntervalSince1970: 1_796_000_123.456)
        let text = RFC3339.format(date)
        XCTAssertEqual(text, "2026-11-30T00:55:23.456Z")
        XCTAssertEqual(RFC3339.parse(text)?.timeIntervalSince1970 ?? 0, 1_796_000_123.456, accuracy: 0.0005)
        XCTAssertEqual(RFC3339.format(Date(timeIntervalSince1970: -1)), "1969-12-31T23:59:59.000Z")
    }
}
