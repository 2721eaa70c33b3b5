import Foundation
import ImarketDomain
import NIOConcurrencyHelpers

/// Rule values for checks that may lag a change by a moment (rate limits, defaults for new
/// records). State transitions that must see the exact current value load the rules inside their
/// own transaction with `RulesStore.load` instead.
public final class RulesCache: Sendable {
    private let state = NIOLockedValueBox<(rules: RuleSet, loadedAt: Double)?>(nil)
    private let maxAge: Double
    private let database: Database

    init(database: Database, maxAge: Double = 1.0) {
        self.database = database
        self.maxAge = maxAge
    }

    public func current() async throws -> RuleSet {
        let now = Date().timeIntervalSince1970
        if let cached = state.withLockedValue({ $0 }), now - cached.loadedAt < maxAge {
            return cached.rules
        }
        let rules = try await database.read { try RulesStore.load($0) }
        state.withLockedValue { $0 = (rules, now) }
        return rules
    }

    /// Called after this instance changed the rules, so its own next read sees them at once.
    public func invalidate() {
        state.withLockedValue { $0 = nil }
    }
}
