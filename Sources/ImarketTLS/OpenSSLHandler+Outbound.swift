import NIOCore

/// Outbound half: buffering, coalescing and encrypting writes; close_notify on close.
extension OpenSSLHandler {
    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch state {
        case .closing, .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        case .idle, .handshaking, .active:
            pendingWrites.append(unwrapOutboundIn(data), promise: promise)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        pendingWrites.markFlushed()
        if case .active = state {
            encryptAndFlush(context: context)
        }
        // While handshaking the flush is remembered and honoured once it completes.
    }

    /// Encrypts every flushed write, writes the ciphertext and flushes the channel.
    /// All promises complete together when the last ciphertext buffer is written.
    func encryptAndFlush(context: ChannelHandlerContext) {
        var aggregate: EventLoopPromise<Void>?
        var coalesce = coalescingBuffer ?? context.channel.allocator.buffer(capacity: Self.coalesceLimit)
        coalescingBuffer = nil
        coalesce.clear()

        while let (buffer, promise) = pendingWrites.popFlushed() {
            if let promise {
                if let aggregate { aggregate.futureResult.cascade(to: promise) } else { aggregate = promise }
            }
            let error: TLSError?
            if buffer.readableBytes < Self.coalesceLimit && (coalesce.readableBytes > 0 || pendingWrites.flushedCount > 0) {
                // Several small writes (e.g. response head + body): one record, one copy.
                if coalesce.readableBytes + buffer.readableBytes > Self.coalesceLimit {
                    if let failure = encrypt(coalesce, context: context) {
                        fail(with: failure, aggregate: aggregate, context: context)
                        return
                    }
                    coalesce.clear()
                }
                coalesce.writeImmutableBuffer(buffer)
                error = nil
            } else {
                if coalesce.readableBytes > 0 {
                    if let failure = encrypt(coalesce, context: context) {
                        fail(with: failure, aggregate: aggregate, context: context)
                        return
                    }
                    coalesce.clear()
                }
                error = encrypt(buffer, context: context)
            }
            if let error {
                fail(with: error, aggregate: aggregate, context: context)
                return
            }
        }
        if coalesce.readableBytes > 0, let failure = encrypt(coalesce, context: context) {
            fail(with: failure, aggregate: aggregate, context: context)
            return
        }
        coalesce.clear()
        coalescingBuffer = coalesce
        writeCiphertext(context: context, promise: aggregate)
        context.flush()
    }

    /// Encrypts in slices, handing ciphertext to the channel once a slice's worth
    /// has accumulated, so a multi-megabyte write never doubles in memory.
    private func encrypt(_ buffer: ByteBuffer, context: ChannelHandlerContext) -> TLSError? {
        buffer.withUnsafeReadableBytes { bytes -> TLSError? in
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + Self.encryptSliceSize)
                if let error = tlsEngine.write(UnsafeRawBufferPointer(rebasing: bytes[offset..<end])) {
                    return error
                }
                offset = end
                if tlsEngine.pendingOutput >= Self.encryptSliceSize {
                    writeCiphertext(context: context, promise: nil)
                }
            }
            return nil
        }
    }

    private func fail(with error: TLSError, aggregate: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        aggregate?.fail(error)
        fail(context: context, error)
    }

    /// Sends close_notify and waits (bounded by `closeNotifyTimeout`) for the
    /// peer's before closing the socket. `.output` is treated like `.all`: TLS
    /// half-closure is not supported. Unflushed writes are failed, as NIO does.
    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .input {
            context.close(mode: .input, promise: promise)
            return
        }
        switch state {
        case .idle, .handshaking:
            state = .closed
            cancelTimers()
            pendingWrites.failAll(ChannelError.ioOnClosedChannel)
            context.close(mode: .all, promise: promise)
        case .active:
            pendingWrites.failAll(ChannelError.ioOnClosedChannel)
            let peerAlreadyClosed = tlsEngine.shutdown()
            writeCiphertext(context: context, promise: nil)
            context.flush()
            if peerAlreadyClosed {
                state = .closed
                context.close(mode: .all, promise: promise)
                return
            }
            state = .closing(promise)
            setCloseNotifyTimer(context.eventLoop.assumeIsolated().scheduleTask(in: closeNotifyTimeout) { [self] in
                guard case .closing(let pending) = self.state else { return }
                self.state = .closed
                context.close(mode: .all, promise: pending)
            })
        case .closing(let existing):
            guard let promise else { return }
            if let existing {
                existing.futureResult.cascade(to: promise)
            } else {
                state = .closing(promise)
            }
        case .closed:
            context.close(mode: mode, promise: promise)
        }
    }

    /// The peer sent close_notify: answer with ours (unless already sent) and close.
    func peerSentCloseNotify(context: ChannelHandlerContext) {
        switch state {
        case .active:
            _ = tlsEngine.shutdown()
            state = .closed
            cancelTimers()
            pendingWrites.failAll(ChannelError.ioOnClosedChannel)
            writeCiphertext(context: context, promise: nil)
            context.flush()
            context.close(promise: nil)
        case .closing(let promise):
            state = .closed
            cancelTimers()
            context.close(mode: .all, promise: promise)
        default:
            break
        }
    }
}
