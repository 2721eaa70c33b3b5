import Foundation
import NIOConcurrencyHelpers

/// Per-client-address counters over a sliding one-minute window, for failed authentication and
/// anonymous registration (API section 2). Kept in process memory: each instance limits on its
/// own, which bounds abuse per instance without a database write per failed attempt.
public final class RateLimiter: Sendable {
    private struct Window {
        var timestamps: [Double] = []
    }

    private let windows = NIOLockedValueBox([String: Window]())
    private let windowSeconds: Double
    private let now: @Sendable () -> Double

    public init(windowSeconds: Double = 60, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.windowSeconds = windowSeconds
        self.now = now
    }

    /// Whether `key` has already used `limit` events in the window (without recording one).
    public func isLimited(_ key: String, limit: Int) -> Bool {
        let t = now()
        return windows.withLockedValue { windows in
            guard var window = windows[key] else { return false }
            window.timestamps.removeAll { $0 <= t - windowSeconds }
            windows[key] = window.timestamps.isEmpty ? nil : window
            return window.timestamps.count >= limit
        }
    }

    /// Records one event for `key`; returns false when the key was already at `limit`.
    @discardableResult
    public func record(_ key: String, limit: Int) -> Bool {
        let t = now()
        return windows.withLockedValue { windows in
            var window = windows[key] ?? Window()
            window.timestamps.removeAll { $0 <= t - windowSeconds }
            guard window.timestamps.count < limit else {
                windows[key] = window
                return false
            }
            window.timestamps.append(t)
            windows[key] = window
            if windows.count > 100_000 { Self.prune(&windows, before: t - windowSeconds) }
            return true
        }
    }

    private static func prune(_ windows: inout [String: Window], before cutoff: Double) {
        windows = windows.filter { $0.value.timestamps.contains { $0 > cutoff } }
    }
}
