import NIOCore

/// Closes a connection whose request headers do not arrive within the configured time
/// (slowloris defence). It sits on the plaintext side of TLS, before the HTTP decoder, so it
/// sees the first byte of each request; the HTTP handler tells it, with outbound user events,
/// when a head was parsed and when the response went out.
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
        case readingHead(Scheduled<Void>)
        case inRequest
    }

    private let timeout: TimeAmount
    private var state = State.awaitingFirstByte

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .awaitingFirstByte = state {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let task = context.eventLoop.scheduleTask(in: timeout) {
                loopBound.value.close(promise: nil)
            }
            state = .readingHead(task)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? Event else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch event {
        case .headReceived:
            cancelTimer()
            state = .inRequest
        case .responseComplete:
            cancelTimer()
            state = .awaitingFirstByte
        }
        promise?.succeed(())
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    private func cancelTimer() {
        if case .readingHead(let task) = state {
            task.cancel()
        }
    }
}
