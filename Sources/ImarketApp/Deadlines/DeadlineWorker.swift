import Foundation
import ImarketPostgres
import Logging
import NIOConcurrencyHelpers

/// Applies deadlines when nobody is reading: polls every `interval` and handles due demands one
/// per transaction with `FOR UPDATE SKIP LOCKED`, so any number of server instances can run it
/// side by side and each transition happens exactly once (docs/deadlines.md).
public final class DeadlineWorker: Sendable {
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    private let database: Database
    private let logger: Logger
    private let interval: Duration

    init(database: Database, logger: Logger, interval: Duration = .milliseconds(250)) {
        self.database = database
        self.logger = logger
        self.interval = interval
    }

    func start() {
        let database = self.database, logger = self.logger, interval = self.interval
        task.withLockedValue { existing in
            guard existing == nil else { return }
            existing = Task.detached {
                while !Task.isCancelled {
                    await DeadlineWorker.tick(database: database, logger: logger)
                    try? await Task.sleep(for: interval)
                }
            }
        }
    }

    func stop() async {
        let running = task.withLockedValue { t -> Task<Void, Never>? in
            defer { t = nil }
            return t
        }
        running?.cancel()
        await running?.value
    }

    /// One pass: every due demand (bounded per pass), then expired agency suspensions.
    static func tick(database: Database, logger: Logger) async {
        do {
            for _ in 0..<100 {
                let handled = try await database.transaction { c in
                    try DeadlineEngine.runDue(c, demandId: nil, skipLocked: true, limit: 1)
                }
                if handled == 0 { break }
            }
            try await database.transaction { c in _ = try AgencyStore.liftExpiredSuspensions(c) }
        } catch {
            logger.warning("deadline pass failed", metadata: ["error": "\(error)"])
        }
    }
}
