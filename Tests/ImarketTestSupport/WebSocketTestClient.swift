import Foundation
import ImarketJSONRPC

/// A minimal WebSocket client for the tests (RFC 6455 over `TLSTestClient`): upgrade, masked
/// text frames out, text frames in.
public final class WebSocketTestClient: @unchecked Sendable {
    public let tls: TLSTestClient

    /// Connects and upgrades `GET /rpc`; throws with the HTTP status when the server refuses.
    public init(port: Int, caPath: String, token: String? = nil) throws {
        tls = try TLSTestClient(host: "127.0.0.1", port: port, caPath: caPath, readTimeout: 10)
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var request = "GET /rpc HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        request += "\r\n"
        try tls.sendRaw(Array(request.utf8))
        let response = try tls.readResponse(isHead: false)
        guard response.status == 101 else { throw UpgradeRefused(status: response.status, body: response.bodyString) }
    }

    public struct UpgradeRefused: Error {
        public let status: Int
        public let body: String
    }

    public func send(text: String) throws {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count < 65536 {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xff) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try tls.sendRaw(frame)
    }

    /// The next text frame's payload, parsed as JSON (skipping pings/pongs).
    public func receive() throws -> JSONValue {
        while true {
            let head = try tls.readExactly(2)
            var length = Int(head[1] & 0x7f)
            if length == 126 {
                let ext = try tls.readExactly(2)
                length = Int(ext[0]) << 8 | Int(ext[1])
            } else if length == 127 {
                length = try tls.readExactly(8).reduce(0) { $0 << 8 | Int($1) }
            }
            let payload = try tls.readExactly(length)
            switch head[0] & 0x0f {
            case 0x1: return try JSONParser.parse(payload)
            case 0x8: throw TLSTestClientError("server closed the WebSocket")
            default: continue
            }
        }
    }

    /// Sends a request and returns the next frame (the tests send one call at a time).
    public func call(_ text: String) throws -> JSONValue {
        try send(text: text)
        return try receive()
    }
}
