import NIOCore

/// Closes a connection whose request headers do not arrive within the configured time
/// (slowloris defence). It sits on the plaintext side of TLS, before the HTTP decoder, so it
/// sees the first byte of each request; the HTTP handler tells it, with outbound user events,
/// when a head was parsed and when the response went out.
///
/// One timer per connection is reused rather than scheduled and cancelled per request: when it
/// fires it checks how long the current head has been arriving and re-arms if needed, which
/// keeps keep-alive request streams free of timer churn.
final class HeaderReadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent by the HTTP handler through `triggerUserOutboundEvent`.
    enum Event: Sendable {
        case headReceived
        case responseComplete
    }

    private enum State {
        case awaitingFirstByte
        case readingHead(since: NIODeadline)
        case inRequest
    }

    private let timeout: TimeAmount
    private var state = State.awaitingFirstByte
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .awaitingFirstByte = state {
            let now = NIODeadline.now()
            state = .readingHead(since: now)
            if timer == nil { arm(context: context, at: now + timeout) }
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? Event else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch event {
        case .headReceived: state = .inRequest
        case .responseComplete: state = .awaitingFirstByte
        }
        promise?.succeed(())
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    private func arm(context: ChannelHandlerContext, at deadline: NIODeadline) {
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            guard case .readingHead(let since) = handler.state else { return }
            let due = since + handler.timeout
            if due <= .now() {
                context.close(promise: nil)
            } else {
                handler.arm(context: context, at: due)
            }
        }
    }
}
