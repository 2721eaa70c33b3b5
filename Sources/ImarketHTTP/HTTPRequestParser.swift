import NIOCore
import NIOHTTP1

/// HTTP/1.1 request framing (RFC 9112) as a pure state machine: bytes in, complete requests out.
/// No I/O, so every rule is tested on plain buffers.
///
/// Why our own instead of NIO's llhttp-based decoder: that decoder plus its pipeline parts cost
/// about a quarter of a small call's CPU (profiled in docs/benchmarks.md); the only requests this
/// server takes are small, `Content-Length`- or chunk-framed JSON bodies under fixed limits.
///
/// It is deliberately strict where leniency lets two parsers disagree about where a request ends
/// (request smuggling): bare LF line ends, obs-fold, whitespace before the colon, conflicting or
/// malformed `Content-Length`, `Transfer-Encoding` together with `Content-Length` or other than
/// `chunked`, all are refused as malformed.
struct HTTPRequestParser {
    enum Event {
        /// Nothing complete yet; feed more bytes.
        case needMoreData
        /// One whole request; its body is exactly the framed bytes.
        case request(HTTPRequestHead, ByteBuffer)
        /// The request broke a rule or limit; the connection cannot be parsed further.
        case refuse(HTTPLimitViolation)
    }

    private enum State {
        case head
        case body(HTTPRequestHead, remaining: Int, ByteBuffer)
        case chunkSize(HTTPRequestHead, ByteBuffer)
        case chunkData(HTTPRequestHead, remaining: Int, ByteBuffer)
        case chunkDataEnd(HTTPRequestHead, ByteBuffer)
        case trailers(HTTPRequestHead, ByteBuffer, seen: Int)
        case failed
    }

    private let maxHeaderSize: Int
    private let maxBodySize: Int
    private var state = State.head
    /// How far the current head was already searched for its end, so a head arriving in small
    /// pieces is not rescanned from the start each time.
    private var scanned = 0

    init(maxHeaderSize: Int, maxBodySize: Int) {
        self.maxHeaderSize = maxHeaderSize
        self.maxBodySize = maxBodySize
    }

    /// A head has been parsed and its body is still arriving (no header timeout applies then).
    var isReadingBody: Bool {
        switch state {
        case .head, .failed: return false
        default: return true
        }
    }

    /// The request whose body is arriving sent `Expect: 100-continue` (RFC 9110 section 10.1.1):
    /// it waits for a `100 Continue` before sending the body (curl does for large bodies).
    var bodyAwaitsContinue: Bool {
        switch state {
        case .body(let head, _, let body) where body.readableBytes == 0: return Self.expectsContinue(head)
        case .chunkSize(let head, let body) where body.readableBytes == 0: return Self.expectsContinue(head)
        default: return false
        }
    }

    private static func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        head.version == .http1_1 && head.headers.first(name: "expect")?.lowercased() == "100-continue"
    }

    /// Consumes what it can from `buffer` and reports the next event. Call again after a
    /// `.request` to get the next pipelined one.
    mutating func next(from buffer: inout ByteBuffer) -> Event {
        while true {
            switch state {
            case .failed:
                return .refuse(.malformedRequest)
            case .head:
                switch parseHead(&buffer) {
                case .needMoreData: return .needMoreData
                case .refuse(let violation): return fail(violation)
                case .head(let head, .none):
                    return .request(head, ByteBuffer())
                case .head(let head, .length(let length)):
                    if length == 0 { return .request(head, ByteBuffer()) }
                    if buffer.readableBytes >= length, let body = buffer.readSlice(length: length) {
                        return .request(head, body)
                    }
                    state = .body(head, remaining: length, ByteBuffer())
                case .head(let head, .chunked):
                    state = .chunkSize(head, ByteBuffer())
                }
            case .body(let head, let remaining, var body):
                guard buffer.readableBytes > 0 else { return .needMoreData }
                state = .failed  // keeps `body` uniquely referenced while it grows
                let taken = Self.move(upTo: remaining, from: &buffer, into: &body)
                if remaining > taken {
                    state = .body(head, remaining: remaining - taken, body)
                    return .needMoreData
                }
                state = .head
                return .request(head, body)
            case .chunkSize(let head, let body):
                let line: [UInt8]
                switch Self.readLine(&buffer, limit: 1024) {
                case .incomplete: return buffer.readableBytes > 1024 ? fail(.malformedRequest) : .needMoreData
                case .malformed: return fail(.malformedRequest)
                case .line(let bytes): line = bytes
                }
                guard let size = Self.chunkSize(line) else { return fail(.malformedRequest) }
                if size > maxBodySize - body.readableBytes { return fail(.bodyTooLarge) }
                state = size == 0 ? .trailers(head, body, seen: 0) : .chunkData(head, remaining: size, body)
            case .chunkData(let head, let remaining, var body):
                guard buffer.readableBytes > 0 else { return .needMoreData }
                state = .failed
                let taken = Self.move(upTo: remaining, from: &buffer, into: &body)
                state = remaining > taken
                    ? .chunkData(head, remaining: remaining - taken, body) : .chunkDataEnd(head, body)
            case .chunkDataEnd(let head, let body):
                guard buffer.readableBytes >= 2 else { return .needMoreData }
                guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { return fail(.malformedRequest) }
                state = .chunkSize(head, body)
            case .trailers(let head, let body, let seen):
                // Trailer fields are read and dropped: nothing here depends on them.
                let line: [UInt8]
                switch Self.readLine(&buffer, limit: maxHeaderSize - seen) {
                case .incomplete: return seen + buffer.readableBytes > maxHeaderSize ? fail(.headersTooLarge) : .needMoreData
                case .malformed: return fail(.malformedRequest)
                case .line(let bytes): line = bytes
                }
                if line.isEmpty {
                    state = .head
                    return .request(head, body)
                }
                state = .trailers(head, body, seen: seen + line.count + 2)
            }
        }
    }

    /// Moves up to `remaining` body bytes from the input; returns how many it moved.
    private static func move(upTo remaining: Int, from buffer: inout ByteBuffer, into body: inout ByteBuffer) -> Int {
        var slice = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
        let taken = slice.readableBytes
        body.writeBuffer(&slice)
        return taken
    }

    private mutating func fail(_ violation: HTTPLimitViolation) -> Event {
        state = .failed
        return .refuse(violation)
    }

    private enum Line {
        case incomplete
        case malformed
        case line([UInt8])
    }

    /// One CRLF-terminated line (without the CRLF) of at most `limit` bytes.
    private static func readLine(_ buffer: inout ByteBuffer, limit: Int) -> Line {
        let view = buffer.readableBytesView
        guard let lf = view.prefix(limit + 2).firstIndex(of: UInt8(ascii: "\n")) else { return .incomplete }
        let line = buffer.readBytes(length: lf - view.startIndex + 1)!
        guard line.count >= 2, line[line.count - 2] == UInt8(ascii: "\r") else { return .malformed }  // bare LF
        return .line(Array(line.dropLast(2)))
    }

    /// Hex size before any `;extension`; nil if malformed or absurdly long.
    private static func chunkSize(_ line: [UInt8]) -> Int? {
        var size = 0
        var digits = 0
        for byte in line {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A") + 10)
            case UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\t"):
                return digits > 0 ? size : nil
            default: return nil
            }
            digits += 1
            if digits > 15 { return nil }
            size = size * 16 + value
        }
        return digits > 0 ? size : nil
    }
}

extension HTTPRequestParser {
    /// How the body of a parsed head is delimited.
    enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
    }

    enum HeadResult {
        case needMoreData
        case head(HTTPRequestHead, Framing)
        case refuse(HTTPLimitViolation)
    }

    /// Finds the end of the head (CRLF CRLF) within the size limit and parses it in one pass.
    private mutating func parseHead(_ buffer: inout ByteBuffer) -> HeadResult {
        // Empty lines before a request line are ignored (RFC 9112 section 2.2).
        while buffer.readableBytesView.starts(with: [UInt8(ascii: "\r"), UInt8(ascii: "\n")]) {
            buffer.moveReaderIndex(forwardBy: 2)
            scanned = 0
        }
        let view = buffer.readableBytesView
        let searchEnd = min(view.count, maxHeaderSize + 4)
        var end: Int?
        var index = max(scanned, 3)
        view.withUnsafeBytes { bytes in
            while index < searchEnd {
                if bytes[index] == UInt8(ascii: "\n"), bytes[index - 1] == UInt8(ascii: "\r"),
                   bytes[index - 2] == UInt8(ascii: "\n"), bytes[index - 3] == UInt8(ascii: "\r") {
                    end = index + 1
                    return
                }
                index += 1
            }
        }
        guard let end else {
            if view.count > maxHeaderSize + 4 { return .refuse(.headersTooLarge) }
            scanned = max(3, view.count)
            return .needMoreData
        }
        scanned = 0
        let result = view.withUnsafeBytes { HTTPHeadSyntax.parse(UnsafeRawBufferPointer(rebasing: $0[..<end]), maxBodySize: maxBodySize) }
        buffer.moveReaderIndex(forwardBy: end)
        return result
    }
}
