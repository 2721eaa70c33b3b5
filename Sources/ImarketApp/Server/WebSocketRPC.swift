import ImarketHTTP
import ImarketJSONRPC
import NIOHTTP1

/// JSON-RPC over WebSocket text frames (API section 1): the caller is resolved once at the
/// upgrade, then every frame is one request or batch, answered in a frame.
struct WebSocketRPC: WebSocketResponder {
    let engine: RPCEngine<RequestContext>
    let services: AppServices

    func openWebSocket(path: Substring, headers: HTTPHeaders, connection: ConnectionInfo) async -> (any WebSocketSessionDelegate)? {
        guard path == "/rpc" else { return nil }
        switch await Authentication.resolve(headers: headers, connection: connection, services: services) {
        case .anonymous: return Session(engine: engine, services: services, caller: nil, remoteAddress: connection.remoteAddress)
        case .account(let caller): return Session(engine: engine, services: services, caller: caller, remoteAddress: connection.remoteAddress)
        case .refused: return nil
        }
    }

    struct Session: WebSocketSessionDelegate {
        let engine: RPCEngine<RequestContext>
        let services: AppServices
        let caller: Caller?
        let remoteAddress: String

        func didReceive(text: [UInt8], session: WebSocketSession) async {
            let context = RequestContext(caller: caller, remoteAddress: remoteAddress, services: services, session: session)
            if let response = await engine.handle(body: text, context: context) {
                session.send(text: response)
            }
        }

        func didClose(session: WebSocketSession) {
            services.subscriptions.removeAll(of: session)
        }
    }
}
