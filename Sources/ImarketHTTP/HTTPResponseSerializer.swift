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
        let code = Int(response.status.code)
        let bodiless = code < 200 || code == 204
        let isOK = code == 200 && response.status == .ok
        let reason = isOK ? "" : response.status.reasonPhrase
        // The head's exact size first, so it is written in one pass over raw memory: byte by
        // byte through ByteBuffer's writers it cost about as much as the rest of the answer path.
        var headSize = isOK ? 17 : 9 + decimalDigits(code) + 1 + reason.utf8.count + 2
        for (name, value) in response.headers where !isFraming(name) {
            headSize += name.utf8.count + 2 + value.utf8.count + 2
        }
        if !bodiless { headSize += 16 + decimalDigits(bodyBytes) + 2 }
        if framing.closing { headSize += 19 } else if framing.confirmKeepAlive { headSize += 24 }
        headSize += 2

        var buffer = allocator.buffer(capacity: headSize + (framing.isHead ? 0 : bodyBytes))
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: headSize) { out in
            var head = RawWriter(out: out)
            if isOK {
                head.put("HTTP/1.1 200 OK\r\n")  // nearly every answer
            } else {
                head.put("HTTP/1.1 ")
                head.putDecimal(code)
                head.put(" ")
                head.put(reason)
                head.put("\r\n")
            }
            for (name, value) in response.headers where !isFraming(name) {
                head.put(name)
                head.put(": ")
                head.put(value)
                head.put("\r\n")
            }
            if !bodiless {
                head.put("content-length: ")
                head.putDecimal(bodyBytes)
                head.put("\r\n")
            }
            if framing.closing {
                head.put("connection: close\r\n")
            } else if framing.confirmKeepAlive {
                head.put("connection: keep-alive\r\n")
            }
            head.put("\r\n")
            precondition(head.count == headSize)
            return head.count
        }
        if !bodiless, !framing.isHead, let body {
            switch body {
            case .buffer(var bytes): buffer.writeBuffer(&bytes)
            case .bytes(let bytes): buffer.writeBytes(bytes)
            }
        }
        return buffer
    }

    /// Framing is the front end's business: a responder's own length or connection field is
    /// dropped, and the right one written.
    private static func isFraming(_ name: String) -> Bool {
        (name.utf8.count == 14 && name.lowercased() == "content-length")
            || (name.utf8.count == 10 && name.lowercased() == "connection")
    }

    static func decimalDigits(_ value: Int) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        return digits
    }

    /// Appends to raw memory whose size was computed beforehand.
    private struct RawWriter {
        let out: UnsafeMutableRawBufferPointer
        var count = 0

        mutating func put(_ text: StaticString) {
            out.baseAddress!.advanced(by: count).copyMemory(from: text.utf8Start, byteCount: text.utf8CodeUnitCount)
            count += text.utf8CodeUnitCount
        }

        mutating func put(_ text: String) {
            var text = text
            text.withUTF8 { bytes in
                guard let source = bytes.baseAddress else { return }
                out.baseAddress!.advanced(by: count).copyMemory(from: source, byteCount: bytes.count)
                count += bytes.count
            }
        }

        mutating func putDecimal(_ value: Int) {
            let digits = HTTPResponseSerializer.decimalDigits(value)
            var v = value
            for i in stride(from: count + digits - 1, through: count, by: -1) {
                out[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
            }
            count += digits
        }
    }
}
