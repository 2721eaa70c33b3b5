import ImarketHTTP
import ImarketJSONRPC
import Logging
import NIOCore
import NIOHTTP1

/// Routes HTTP requests (API section 1): `POST /rpc` to the JSON-RPC engine after resolving the
/// caller, plus `/openrpc.json`, `/healthz` and `/readyz`.
public struct RPCResponder: HTTPResponder {
    let engine: RPCEngine<RequestContext>
    let services: AppServices
    let openRPCBody: ByteBuffer

    public init(engine: RPCEngine<RequestContext>, services: AppServices) {
        self.engine = engine
        self.services = services
        self.openRPCBody = ByteBuffer(bytes: engine.openRPCDocument.serialized())
    }

    public func respond(to request: HTTPServerRequest) async -> HTTPServerResponse {
        switch request.path {
        case "/rpc":
            if request.method == .GET, request.headers.first(name: "upgrade")?.lowercased() == "websocket" {
                // Reaching here means the upgrade was refused: say why.
                if case .refused(let status, let rpcError) = await Authentication.resolve(request, services: services) {
                    return error(status, rpcError)
                }
                return error(.badRequest, RPCError.invalidRequest("WebSocket upgrade failed", reason: "bad_upgrade"))
            }
            guard request.method == .POST else {
                return HTTPServerResponse(status: .methodNotAllowed, headers: ["allow": "POST"])
            }
            return await rpc(request)
        case "/openrpc.json":
            guard request.method == .GET || request.method == .HEAD else {
                return HTTPServerResponse(status: .methodNotAllowed, headers: ["allow": "GET"])
            }
            return HTTPServerResponse(status: .ok, headers: Self.jsonHeaders, body: openRPCBody)
        case "/healthz":
            return plain(.ok, "ok\n")
        case "/readyz":
            let healthy = await services.database.pool.isHealthy()
            return healthy ? plain(.ok, "ready\n") : plain(.serviceUnavailable, "database unavailable\n")
        default:
            return plain(.notFound, "not found\n")
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

    private func rpc(_ request: HTTPServerRequest) async -> HTTPServerResponse {
        guard Self.isJSON(request.headers.first(name: "content-type")) else {
            return error(.unsupportedMediaType, RPCError.invalidRequest("Content-Type must be application/json", reason: "unsupported_media_type"))
        }
        let caller: Caller?
        switch await Authentication.resolve(request, services: services) {
        case .anonymous: caller = nil
        case .account(let account): caller = account
        case .refused(let status, let rpcError): return error(status, rpcError)
        }
        let context = RequestContext(caller: caller, remoteAddress: request.connection.remoteAddress, services: services)
        let body = request.body.readableBytesView
        guard let response = await engine.handle(bytes: body, context: context) else {
            return HTTPServerResponse(status: .noContent)
        }
        return HTTPServerResponse(status: .ok, headers: Self.jsonHeaders, body: ByteBuffer(bytes: response))
    }

    static let jsonHeaders: HTTPHeaders = ["content-type": "application/json"]

    /// `application/json`, any case, optionally followed by parameters (`; charset=utf-8`).
    /// Byte-level on purpose: this runs for every call.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let expected = "application/json".utf8
        var bytes = contentType.utf8.drop { $0 == 0x20 || $0 == 0x09 }[...]
        for byte in expected {
            guard let b = bytes.first, ((0x41...0x5A).contains(b) ? b + 0x20 : b) == byte else { return false }
            bytes = bytes.dropFirst()
        }
        let rest = bytes.drop { $0 == 0x20 || $0 == 0x09 }
        return rest.isEmpty || rest.first == 0x3B
    }

    private func error(_ status: HTTPResponseStatus, _ rpcError: RPCError) -> HTTPServerResponse {
        HTTPServerResponse(status: status, headers: Self.jsonHeaders, body: ByteBuffer(bytes: engine.errorResponse(rpcError)))
    }

    private func plain(_ status: HTTPResponseStatus, _ text: String) -> HTTPServerResponse {
        HTTPServerResponse(status: status, headers: ["content-type": "text/plain; charset=utf-8"], body: ByteBuffer(string: text))
    }
}
