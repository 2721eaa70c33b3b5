import ImarketHTTP
import ImarketJSONRPC
import Logging
import NIOCore
import NIOHTTP1

/// Routes HTTP requests (API section 1): `POST /rpc` to the JSON-RPC engine after resolving the
/// caller, plus `/openrpc.json`, `/healthz` and `/readyz`. What needs no waiting is answered on
/// the event loop; the rest runs as a task.
public struct RPCResponder: HTTPResponder {
    let engine: RPCEngine<RequestContext>
    let services: AppServices
    let openRPCBody: ByteBuffer

    public init(engine: RPCEngine<RequestContext>, services: AppServices) {
        self.engine = engine
        self.services = services
        self.openRPCBody = ByteBuffer(bytes: engine.openRPCDocument.serialized())
    }

    public func answer(_ request: HTTPServerRequest) -> HTTPAnswer {
        switch request.path {
        case "/rpc":
            if request.method == .GET, request.headers.first(name: "upgrade")?.lowercased() == "websocket" {
                return .later { await refusedUpgrade(request) }
            }
            guard request.method == .POST else {
                return .now(HTTPServerResponse(status: .methodNotAllowed, headers: ["allow": "POST"]))
            }
            return rpc(request)
        case "/openrpc.json":
            guard request.method == .GET || request.method == .HEAD else {
                return .now(HTTPServerResponse(status: .methodNotAllowed, headers: ["allow": "GET"]))
            }
            return .now(HTTPServerResponse(status: .ok, headers: Self.jsonHeaders, body: openRPCBody))
        case "/healthz":
            return .now(plain(.ok, "ok\n"))
        case "/readyz":
            return .later {
                let healthy = await services.database.pool.isHealthy()
                return healthy ? plain(.ok, "ready\n") : plain(.serviceUnavailable, "database unavailable\n")
            }
        default:
            return .now(plain(.notFound, "not found\n"))
        }
    }

    public func limitResponse(_ violation: HTTPLimitViolation) -> HTTPServerResponse {
        switch violation {
        case .bodyTooLarge:
            return error(.payloadTooLarge, RPCError.invalidRequest("Request body too large", reason: "body_too_large"))
        case .headersTooLarge:
            return error(.requestHeaderFieldsTooLarge, RPCError.invalidRequest("Request headers too large", reason: "headers_too_large"))
        case .malformedRequest:
            return error(.badRequest, RPCError.invalidRequest("Malformed HTTP request", reason: "malformed_http"))
        }
    }

    /// A call that names neither a token nor a client certificate needs no lookup to know its
    /// caller, so with a small body it is parsed on the event loop and answered there when its
    /// method is immediate (`system.ping`); the parse is then not repeated off the loop.
    private func rpc(_ request: HTTPServerRequest) -> HTTPAnswer {
        guard Self.isJSON(request.headers.first(name: "content-type")) else {
            return .now(error(.unsupportedMediaType, RPCError.invalidRequest("Content-Type must be application/json", reason: "unsupported_media_type")))
        }
        guard !Authentication.needsLookup(request), request.body.readableBytes <= Self.maxBodyParsedOnLoop else {
            return .later { await authenticatedRPC(request) }
        }
        let context = RequestContext(caller: nil, remoteAddress: request.connection.remoteAddress, services: services)
        switch engine.answerAtOnce(bytes: request.body.readableBytesView, context: context) {
        case .answered(let response):
            return .now(rpcResponse(response))
        case .needsTask(let parsed):
            return .later { rpcResponse(await engine.handle(request: parsed, context: context)) }
        }
    }

    /// Bodies up to this size are parsed on the event loop (a few microseconds at most).
    static let maxBodyParsedOnLoop = 1024

    private func authenticatedRPC(_ request: HTTPServerRequest) async -> HTTPServerResponse {
        let caller: Caller?
        switch await Authentication.resolve(request, services: services) {
        case .anonymous: caller = nil
        case .account(let account): caller = account
        case .refused(let status, let rpcError): return error(status, rpcError)
        }
        let context = RequestContext(caller: caller, remoteAddress: request.connection.remoteAddress, services: services)
        return rpcResponse(await engine.handle(bytes: request.body.readableBytesView, context: context))
    }

    /// Reaching here means the upgrade was refused: say why.
    private func refusedUpgrade(_ request: HTTPServerRequest) async -> HTTPServerResponse {
        if case .refused(let status, let rpcError) = await Authentication.resolve(request, services: services) {
            return error(status, rpcError)
        }
        return error(.badRequest, RPCError.invalidRequest("WebSocket upgrade failed", reason: "bad_upgrade"))
    }

    /// 204 when only notifications were sent.
    private func rpcResponse(_ body: [UInt8]?) -> HTTPServerResponse {
        guard let body else { return HTTPServerResponse(status: .noContent) }
        return HTTPServerResponse(status: .ok, headers: Self.jsonHeaders, bytes: body)
    }

    static let jsonHeaders: HTTPHeaders = ["content-type": "application/json"]

    /// `application/json`, any case, optionally followed by parameters (`; charset=utf-8`).
    /// Byte-level on purpose: this runs for every call.
    static func isJSON(_ contentType: String?) -> Bool {
        guard var contentType else { return false }
        return contentType.withUTF8 { bytes in
            let expected: StaticString = "application/json"
            let isSpace = { (b: UInt8) in b == 0x20 || b == 0x09 }
            var i = 0
            while i < bytes.count, isSpace(bytes[i]) { i += 1 }
            guard bytes.count - i >= expected.utf8CodeUnitCount else { return false }
            for j in 0..<expected.utf8CodeUnitCount {
                let b = bytes[i + j]
                guard ((0x41...0x5A).contains(b) ? b | 0x20 : b) == expected.utf8Start[j] else { return false }
            }
            i += expected.utf8CodeUnitCount
            while i < bytes.count, isSpace(bytes[i]) { i += 1 }
            return i == bytes.count || bytes[i] == 0x3B
        }
    }

    private func error(_ status: HTTPResponseStatus, _ rpcError: RPCError) -> HTTPServerResponse {
        HTTPServerResponse(status: status, headers: Self.jsonHeaders, bytes: engine.errorResponse(rpcError))
    }

    private func plain(_ status: HTTPResponseStatus, _ text: String) -> HTTPServerResponse {
        HTTPServerResponse(status: status, headers: ["content-type": "text/plain; charset=utf-8"], body: ByteBuffer(string: text))
    }
}
