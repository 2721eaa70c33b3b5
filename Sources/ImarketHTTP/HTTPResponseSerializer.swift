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
        let bodyBytes = body?.count ?? 0
        // RFC 9110 sections 8.6 and 15.3.5: 1xx and 204 carry neither a length nor a body.
        let bodiless = response.status.code < 200 || response.status == .noContent
        var buffer = allocator.buffer(capacity: 96 + response.headers.count * 48 + (framing.isHead ? 0 : bodyBytes))
        if response.status == .ok {
            buffer.writeStaticString("HTTP/1.1 200 OK\r\n")  // nearly every answer
        } else {
            buffer.writeStaticString("HTTP/1.1 ")
            writeDecimal(Int(response.status.code), to: &buffer)
            buffer.writeInteger(UInt8(ascii: " "))
            buffer.writeString(response.status.reasonPhrase)
            buffer.writeStaticString("\r\n")
        }
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
            writeDecimal(bodyBytes, to: &buffer)
            buffer.writeStaticString("\r\n")
        }
        if framing.closing {
            buffer.writeStaticString("connection: close\r\n")
        } else if framing.confirmKeepAlive {
            buffer.writeStaticString("connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
        if !bodiless, !framing.isHead, let body {
            switch body {
            case .buffer(var bytes): buffer.writeBuffer(&bytes)
            case .bytes(let bytes): buffer.writeBytes(bytes)
            }
        }
        return buffer
    }

    /// A non-negative integer in decimal, without making a string of it first.
    static func writeDecimal(_ value: Int, to buffer: inout ByteBuffer) {
        precondition(value >= 0)
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { out in
            var v = value
            for i in stride(from: digits - 1, through: 0, by: -1) {
                out[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
            }
            return digits
        }
    }
}
