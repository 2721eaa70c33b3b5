import NIOCore
import NIOHTTP1

/// One complete HTTP request as the application sees it: headers, the whole (size-limited) body,
/// and what the connection knows about the peer.
public struct HTTPServerRequest: Sendable {
    public var method: HTTPMethod
    public var uri: String
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    public var connection: ConnectionInfo

    /// The path without the query string.
    public var path: Substring {
        if let q = uri.utf8.firstIndex(of: UInt8(ascii: "?")) { return uri[..<q] }
        return uri[...]
    }
}

/// What a connection learned at accept time and during the TLS handshake.
public struct ConnectionInfo: Sendable {
    /// The client's IP address (no port), used for per-address rate limits.
    public var remoteAddress: String
    /// Lowercase hex SHA-256 of the verified client certificate, if the client presented one.
    public var clientCertificateSHA256: String?
}

public struct HTTPServerResponse: Sendable {
    /// A body as the application has it: bytes it built itself (a JSON-RPC answer) are copied
    /// once, into the response buffer, rather than into a buffer of their own first.
    public enum Body: Sendable {
        case buffer(ByteBuffer)
        case bytes([UInt8])

        var count: Int {
            switch self {
            case .buffer(let buffer): buffer.readableBytes
            case .bytes(let bytes): bytes.count
            }
        }
    }

    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: Body?

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer? = nil) {
        self.status = status
        self.headers = headers
        self.body = body.map { .buffer($0) }
    }

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], bytes: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = .bytes(bytes)
    }
}

/// Why the front end refused a request before the application saw it.
public enum HTTPLimitViolation: Sendable {
    case bodyTooLarge
    case headersTooLarge
    case malformedRequest
}

/// How the application answers one request.
public enum HTTPAnswer: Sendable {
    /// Known already: written on the event loop once it has read every ready socket.
    case now(HTTPServerResponse)
    /// Needs waiting (the database) or real work: runs as a task on the request executor.
    case later(@Sendable () async -> HTTPServerResponse)
}

/// The application behind the HTTP front end. `answer` is called on the event loop, so it must
/// never block and should only decide: answer from what is at hand (a health check, a ping) or
/// hand back the work that runs off the loop, where it may await the database.
/// `limitResponse` builds the body of the answers the front end sends by itself (413, 431, 400)
/// so they carry the application's error format.
public protocol HTTPResponder: Sendable {
    func answer(_ request: HTTPServerRequest) -> HTTPAnswer
    func limitResponse(_ violation: HTTPLimitViolation) -> HTTPServerResponse
}
