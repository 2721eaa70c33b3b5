import CLibPQ
import Foundation
import Logging

/// LISTEN on one channel from a dedicated connection on a thread of its own, handing every
/// notification to `onNotification`. PostgreSQL delivers a NOTIFY only when its transaction
/// commits, to every listening session of every server instance, which is what cross-instance
/// push needs. Reconnects by itself after the server restarts.
public final class PostgresListener: @unchecked Sendable {
    public struct Notification: Sendable {
        public let channel: String
        public let payload: String
    }

    private let configuration: PostgresConfiguration
    private let channel: String
    private let onNotification: @Sendable (Notification) -> Void
    private let logger: Logger
    private let stopped = ConditionFlag()

    /// `channel` must be a plain identifier (it is quoted, not bound: LISTEN takes no parameters).
    public init(configuration: PostgresConfiguration, channel: String, logger: Logger,
                onNotification: @escaping @Sendable (Notification) -> Void) {
        precondition(channel.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "channel must be an identifier")
        self.configuration = configuration
        self.channel = channel
        self.onNotification = onNotification
        self.logger = logger
    }

    public func start() {
        OwnedThread.start(name: "imarket-pg-lstn") { [self] in run() }
    }

    public func stop() {
        stopped.set()
    }

    private func run() {
        var backoff = 0.1
        while !stopped.isSet {
            do {
                let connection = try PostgresConnection(configuration: configuration)
                try connection.simpleQuery("LISTEN \"\(channel)\"")
                backoff = 0.1
                try pump(connection)
            } catch {
                if stopped.isSet { return }
                logger.warning("notification listener reconnecting", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 2)
            }
        }
    }

    /// Waits on the socket (waking every 250 ms to notice `stop`), then drains notifications.
    private func pump(_ connection: PostgresConnection) throws {
        let handle = connection.handle
        while !stopped.isSet {
            let socket = PQsocket(handle)
            guard socket >= 0 else { throw PostgresError(code: .unavailable, message: "listener socket closed") }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 && errno != EINTR { throw PostgresError(code: .unavailable, message: "poll failed") }
            guard ready > 0 else { continue }
            guard PQconsumeInput(handle) == 1 else {
                throw PostgresError(code: .unavailable, message: String(cString: PQerrorMessage(handle)))
            }
            while let raw = PQnotifies(handle) {
                let note = Notification(channel: String(cString: raw.pointee.relname), payload: String(cString: raw.pointee.extra))
                PQfreemem(raw)
                onNotification(note)
            }
        }
    }
}

/// A one-way flag readable from any thread.
final class ConditionFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
