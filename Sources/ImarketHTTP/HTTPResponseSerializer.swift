import NIOCore
import NIOHTTP1

/// Writes a whole answer (status line, header fields, body) into one buffer, so it reaches TLS
/// as one record and the socket as one write.
enum HTTPResponseSerializer {
    /// How the answer is framed for this request.
    struct Framing {
        /// The request was `HEAD`: the length is announced, the body is not sent.
        var isHead: Bool
        /// Add `connection: close`; the connection ends after this answer.
        var closing: Bool
        /// An HTTP/1.0 client that asked to keep the connection: it needs to be told it was kept.
        var confirmKeepAlive: Bool
    }

    static func serialize(_ response: HTTPServerResponse, framing: Framing, allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = response.body
        let bodyBytes = body?.readableBytes ?? 0
        // RFC 9110 sections 8.6 and 15.3.5: 1xx and 204 carry neither a length nor a body.
        let bodiless = response.status.code < 200 || response.status == .noContent
        var buffer = allocator.buffer(capacity: 96 + response.headers.count * 48 + (framing.isHead ? 0 : bodyBytes))
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(String(response.status.code))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(response.status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        for (name, value) in response.headers {
            if name.utf8.count == 14 && name.lowercased() == "content-length" { continue }
            if name.utf8.count == 10 && name.lowercased() == "connection" { continue }
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        if !bodiless {
            buffer.writeStaticString("content-length: ")
            buffer.writeString(String(bodyBytes))
            buffer.writeStaticString("\r\n")
        }
        if framing.closing {
            buffer.writeStaticString("connection: close\r\n")
        } else if framing.confirmKeepAlive {
            buffer.writeStaticString("connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
        if !bodiless, !framing.isHead, var body {
            buffer.writeBuffer(&body)
        }
        return buffer
    }
}
