import NIOCore

/// TLS for a NIO channel, on system OpenSSL through memory BIOs (see `TLSEngine`).
///
/// Modelled on swift-nio-ssl's NIOSSLHandler: a small state machine
/// (idle → handshaking → active → closing → closed), plaintext writes buffered
/// until the handshake is done and until `flush`, close_notify sent on close with
/// a bounded wait for the peer's, and every failure surfaced as a `TLSError`
/// through `errorCaught` followed by a close.
///
/// Server or client mode follows the `TLSContext`. Place it first in the pipeline.
/// After the handshake it fires `TLSHandshakeCompleted` as a user inbound event.
///
/// Errors fired: `.handshakeFailed`, `.handshakeTimeout`, `.unexpectedEOF` (TCP closed
/// without close_notify, during or after the handshake; normal for many HTTP
/// clients, log at debug) and `.protocolError` (corrupt records after the handshake).
public final class OpenSSLHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    enum State {
        case idle
        case handshaking
        case active
        /// Our close_notify is out; waiting for the peer's (or the timeout).
        case closing(EventLoopPromise<Void>?)
        case closed
    }

    /// Plaintext read buffer size: one maximum TLS record.
    static let readChunkSize = 16_384
    /// Small writes are coalesced up to this size into one SSL_write (one record
    /// instead of several); larger writes go straight to OpenSSL without a copy.
    static let coalesceLimit = 16_384
    /// Large writes are encrypted in slices of this size and the ciphertext is
    /// handed to the channel as it is produced, bounding the write BIO's size.
    static let encryptSliceSize = 256 * 1024

    private let tlsContext: TLSContext
    private let engine: TLSEngine
    var state: State = .idle
    let pendingWrites = PendingWrites()
    private var readBuffer: ByteBuffer?
    private var coalesceBuffer: ByteBuffer?
    /// Storage for ciphertext handed to the channel (see `writeCiphertext`).
    private var outputBuffer: ByteBuffer?
    static let retainedOutputCapacity = 8_192
    /// Ciphertext was written to the channel during a read and awaits channelReadComplete.
    private var needsFlushAfterRead = false
    /// Server only: the session tickets OpenSSL produced when the handshake completed. They go
    /// out with the first answer when the first request came with the client's Finished (one
    /// segment instead of two; a client that reconnects often, like a load generator, spent
    /// noticeably more CPU on the extra wake-up), otherwise at the end of the read.
    private var holdsTickets = false
    private var receivedCloseNotify = false
    private var handshakeTimer: Scheduled<Void>?
    private var closeNotifyTimer: Scheduled<Void>?

    /// Handshake results, available once `TLSHandshakeCompleted` has been fired.
    public private(set) var handshakeResult: TLSHandshakeCompleted?
    public var negotiatedProtocol: String? { handshakeResult?.negotiatedProtocol }
    public var protocolVersion: String? { handshakeResult?.protocolVersion }
    public var peerCertificateSHA256: String? { handshakeResult?.peerCertificateSHA256 }

    /// - Parameter serverHostname: client mode only; sent as SNI and, if the
    ///   context verifies hostnames, checked against the server certificate.
    public init(context: TLSContext, serverHostname: String? = nil) throws {
        self.tlsContext = context
        self.engine = try TLSEngine(context: context, serverHostname: serverHostname)
    }

    // MARK: lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            startHandshake(context: context)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        pendingWrites.failAll(ChannelError.ioOnClosedChannel)
    }

    public func channelActive(context: ChannelHandlerContext) {
        startHandshake(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let previous = state
        state = .closed
        cancelTimers()
        pendingWrites.failAll(ChannelError.ioOnClosedChannel)
        switch previous {
        case .handshaking:
            context.fireErrorCaught(TLSError(.unexpectedEOF, "connection closed during the TLS handshake"))
        case .active where !receivedCloseNotify:
            context.fireErrorCaught(TLSError(.unexpectedEOF, "connection closed without close_notify"))
        case .closing(let promise):
            // The peer closed TCP instead of answering our close_notify: the
            // close we were asked for has happened anyway.
            promise?.succeed(())
        default:
            break
        }
        context.fireChannelInactive()
    }

    private func startHandshake(context: ChannelHandlerContext) {
        guard case .idle = state else { return }
        state = .handshaking
        let timeout = tlsContext.handshakeTimeout
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            guard case .handshaking = self.state else { return }
            self.fail(context: context, TLSError(.handshakeTimeout, "TLS handshake not completed within \(timeout)"))
        }
        advanceHandshake(context: context)
    }

    // MARK: inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let ciphertext = unwrapInboundIn(data)
        switch state {
        case .idle:
            // Data before channelActive cannot normally happen; start anyway.
            engine.feed(ciphertext)
            startHandshake(context: context)
        case .handshaking:
            engine.feed(ciphertext)
            advanceHandshake(context: context)
        case .active, .closing:
            engine.feed(ciphertext)
            readPlaintext(context: context)
        case .closed:
            break
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlushAfterRead || holdsTickets {
            needsFlushAfterRead = false
            holdsTickets = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        switch engine.handshake() {
        case .wantRead:
            // Handshake flights go out immediately: latency matters more than batching here.
            if writeCiphertext(context: context, promise: nil) { context.flush() }
        case .failed(let error):
            fail(context: context, error)
        case .complete:
            state = .active
            handshakeTimer?.cancel()
            handshakeTimer = nil
            if tlsContext.isServer {
                holdsTickets = writeCiphertext(context: context, promise: nil)
            } else if writeCiphertext(context: context, promise: nil) {
                context.flush()
            }
            let summary = engine.handshakeSummary()
            handshakeResult = summary
            context.fireUserInboundEventTriggered(summary)
            guard case .active = state else { return }
            if pendingWrites.flushRequested {
                encryptAndFlush(context: context)
            }
            // The client's first request often arrives in the same packet as its Finished.
            readPlaintext(context: context)
        }
    }

    /// Decrypts every complete record available, delivering plaintext in buffers
    /// of up to `readChunkSize` bytes.
    private func readPlaintext(context: ChannelHandlerContext) {
        var buffer = readBuffer ?? context.channel.allocator.buffer(capacity: Self.readChunkSize)
        readBuffer = nil
        buffer.clear()  // reuses storage unless a previous consumer still holds it
        var sawCloseNotify = false
        loop: while true {
            if buffer.writableBytes == 0 {
                context.fireChannelRead(wrapInboundOut(buffer))
                guard isReadingState else { return }
                buffer.clear()
                if buffer.capacity < Self.readChunkSize {
                    buffer.reserveCapacity(Self.readChunkSize)
                }
            }
            switch engine.read(into: &buffer) {
            case .bytes:
                if engine.mayHaveInput { continue }
                break loop
            case .wantRead:
                break loop
            case .closeNotify:
                sawCloseNotify = true
                break loop
            case .failed(let error):
                if buffer.readableBytes > 0 {
                    context.fireChannelRead(wrapInboundOut(buffer))
                }
                fail(context: context, error)
                return
            }
        }
        if buffer.readableBytes > 0 {
            holdsTickets = false  // a request came: the tickets leave with its answer
            context.fireChannelRead(wrapInboundOut(buffer))
            guard isReadingState else { return }
        }
        readBuffer = buffer
        // Post-handshake messages (session tickets, key updates) may have produced output.
        if writeCiphertext(context: context, promise: nil) {
            needsFlushAfterRead = true
        }
        if sawCloseNotify {
            receivedCloseNotify = true
            peerSentCloseNotify(context: context)
        }
    }

    private var isReadingState: Bool {
        switch state {
        case .active, .closing: return true
        default: return false
        }
    }

    // MARK: failure

    /// Sends whatever OpenSSL queued (usually an alert), reports the error and closes.
    func fail(context: ChannelHandlerContext, _ error: TLSError) {
        if case .closed = state { return }
        let closePromise: EventLoopPromise<Void>?
        if case .closing(let promise) = state { closePromise = promise } else { closePromise = nil }
        state = .closed
        cancelTimers()
        if writeCiphertext(context: context, promise: nil) { context.flush() }
        pendingWrites.failAll(error)
        context.fireErrorCaught(error)
        context.close(promise: closePromise)
    }

    func cancelTimers() {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        closeNotifyTimer?.cancel()
        closeNotifyTimer = nil
    }

    // MARK: shared with the outbound side

    /// Hands all pending ciphertext to the channel (without flushing).
    /// Returns whether anything was written.
    @discardableResult
    func writeCiphertext(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) -> Bool {
        var out = outputBuffer ?? context.channel.allocator.buffer(capacity: 0)
        guard engine.drainOutput(into: &out) else {
            promise?.succeed(())
            return false
        }
        // Kept for the next answer unless a large write grew it: an idle connection keeps at
        // most a few kilobytes, not the last megabyte it sent.
        outputBuffer = out.capacity <= Self.retainedOutputCapacity ? out : nil
        context.write(wrapOutboundOut(out), promise: promise)
        return true
    }

    var tlsEngine: TLSEngine { engine }
    var closeNotifyTimeout: TimeAmount { tlsContext.closeNotifyTimeout }
    var coalescingBuffer: ByteBuffer? {
        get { coalesceBuffer }
        set { coalesceBuffer = newValue }
    }
    func setCloseNotifyTimer(_ timer: Scheduled<Void>?) { closeNotifyTimer = timer }
}

@available(*, unavailable)
extension OpenSSLHandler: Sendable {}
