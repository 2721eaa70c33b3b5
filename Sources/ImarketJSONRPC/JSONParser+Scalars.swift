/// Strings and numbers: the per-byte hot loops of the parser.
extension JSONByteReader {
    /// Scans an unescaped run in place and builds the String straight from the UTF-8 slice;
    /// only strings containing escapes go through the scratch buffer. UTF-8 is validated here,
    /// because `String(decoding:)` would silently repair bad bytes into U+FFFD.
    mutating func parseString() throws(JSONParseError) -> String {
        pos += 1  // opening quote
        let start = pos
        while pos < buf.count {
            let b = buf[pos]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeRawBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if b == UInt8(ascii: "\\") {
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[start..<pos]))
                return try parseEscapedRemainder()
            }
            if b < 0x20 { throw fail(.controlCharacterInString) }
            if b < 0x80 { pos += 1 } else { try skipUTF8Sequence() }
        }
        throw fail(.unexpectedEnd)
    }

    private mutating func parseEscapedRemainder() throws(JSONParseError) -> String {
        while pos < buf.count {
            let b = buf[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                try appendEscape()
            } else if b < 0x20 {
                throw fail(.controlCharacterInString)
            } else if b < 0x80 {
                scratch.append(b)
                pos += 1
            } else {
                let s = pos
                try skipUTF8Sequence()
                scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[s..<pos]))
            }
        }
        throw fail(.unexpectedEnd)
    }

    private mutating func appendEscape() throws(JSONParseError) {
        guard pos + 1 < buf.count else { throw fail(.unexpectedEnd) }
        let e = buf[pos + 1]
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(e)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            pos += 2
            var scalar = try readHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate only means something together with an escaped low one.
                guard pos + 1 < buf.count, buf[pos] == UInt8(ascii: "\\"), buf[pos + 1] == UInt8(ascii: "u") else {
                    throw fail(.loneSurrogate)
                }
                pos += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail(.loneSurrogate) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw fail(.loneSurrogate)
            }
            appendUTF8(scalar)
            return
        default:
            throw fail(.invalidEscape)
        }
        pos += 2
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= buf.count else { throw fail(.unexpectedEnd) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let h = buf[pos]
            let d: UInt8
            switch h {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = h - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = h - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = h - UInt8(ascii: "A") + 10
            default: throw fail(.invalidEscape)
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    private mutating func appendUTF8(_ s: UInt32) {
        switch s {
        case ..<0x80:
            scratch.append(UInt8(s))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | s >> 6))
            scratch.append(UInt8(0x80 | s & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | s >> 12))
            scratch.append(UInt8(0x80 | s >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | s >> 18))
            scratch.append(UInt8(0x80 | s >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | s >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        }
    }

    /// Validates one multi-byte sequence at `pos` (Unicode Table 3-7: no overlongs, no encoded
    /// surrogates, nothing above U+10FFFF) and steps over it.
    private mutating func skipUTF8Sequence() throws(JSONParseError) {
        let b0 = buf[pos]
        let count: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: count = 2
        case 0xE0: count = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: count = 3
        case 0xED: count = 3; hi = 0x9F
        case 0xF0: count = 4; lo = 0x90
        case 0xF1...0xF3: count = 4
        case 0xF4: count = 4; hi = 0x8F
        default: throw fail(.invalidUTF8)
        }
        guard pos + count <= buf.count else { throw fail(.invalidUTF8) }
        let b1 = buf[pos + 1]
        guard b1 >= lo, b1 <= hi else { throw fail(.invalidUTF8) }
        for i in 2..<(count) where buf[pos + i] & 0xC0 != 0x80 {
            throw fail(.invalidUTF8)
        }
        pos += count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; the Int64 value is accumulated
    /// on the way so integer ids and amounts never need a second pass.
    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = pos
        let negative = buf[pos] == UInt8(ascii: "-")
        if negative { pos += 1 }
        guard pos < buf.count, isDigit(buf[pos]) else { throw fail(.invalidNumber) }
        var magnitude: UInt64 = 0
        var overflow = false
        if buf[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while pos < buf.count, isDigit(buf[pos]) {
                let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(UInt64(buf[pos] - UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                magnitude = m2
                pos += 1
            }
        }
        var integral = true
        if pos < buf.count, buf[pos] == UInt8(ascii: ".") {
            integral = false
            pos += 1
            try skipDigits()
        }
        if pos < buf.count, buf[pos] | 0x20 == UInt8(ascii: "e") {
            integral = false
            pos += 1
            if pos < buf.count, buf[pos] == UInt8(ascii: "+") || buf[pos] == UInt8(ascii: "-") { pos += 1 }
            try skipDigits()
        }
        var int64: Int64? = nil
        if integral, !overflow {
            if negative {
                if magnitude <= UInt64(Int64.max) { int64 = -Int64(magnitude) }
                else if magnitude == UInt64(Int64.max) + 1 { int64 = .min }
            } else if magnitude <= UInt64(Int64.max) {
                int64 = Int64(magnitude)
            }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
        return JSONNumber(validatedText: text, isIntegerLiteral: integral, int64Value: int64)
    }

    private mutating func skipDigits() throws(JSONParseError) {
        guard pos < buf.count, isDigit(buf[pos]) else { throw fail(.invalidNumber) }
        while pos < buf.count, isDigit(buf[pos]) { pos += 1 }
    }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool {
        b &- UInt8(ascii: "0") < 10
    }
}
