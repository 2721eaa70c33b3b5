import ImarketHTTP
import ImarketJSONRPC

/// Everything a method handler may use: the caller, the caller's network address and the
/// application services. Built per HTTP request (or per WebSocket frame).
public struct RequestContext: Sendable {
    public let caller: Caller?
    public let remoteAddress: String
    public let services: AppServices
    /// The WebSocket session the call arrived on (subscriptions need it); nil over plain HTTP.
    public let session: WebSocketSession?

    public init(caller: Caller?, remoteAddress: String, services: AppServices, session: WebSocketSession? = nil) {
        self.caller = caller
        self.remoteAddress = remoteAddress
        self.services = services
        self.session = session
    }

    public var role: Role { caller?.role ?? .anonymous }

    /// The authenticated caller; methods that allow only authenticated roles can rely on it
    /// because the engine checked access before the handler ran.
    public var requireCaller: Caller {
        get throws {
            guard let caller else { throw RPCError.unauthenticated() }
            return caller
        }
    }
}
